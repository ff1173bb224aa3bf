"""What tests in more than one folder share: test modules import from here (and from
conftest.py, factories.py), never from one another."""
