"""`python -m services.worker`: run the arq worker with the environment's settings."""

from services.worker.main import run

if __name__ == "__main__":
    run()
