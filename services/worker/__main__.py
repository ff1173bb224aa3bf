"""`python -m services.worker`: run the arq worker with the environment's settings."""

from arq.worker import run_worker

from services.worker.main import worker_settings

if __name__ == "__main__":
    run_worker(worker_settings())
