"""A classroom on one server: N browser sessions each train a toy GAN at the same time. All make
progress, none shows an error, and once the tabs close the server's trainings end and its
memory comes back near where it started. The numbers go to ``artifacts/load.json``."""
from __future__ import annotations

import json
import re
import time

import psutil
import pytest

from conftest import_guard import *  # noqa
