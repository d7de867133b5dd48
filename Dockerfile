# ganviz's app in a container: `streamlit run app.py` on port 8501, as a user without privileges.
#
#   docker build -t ganviz .                                  # CPU (torch's CPU wheel, ~1 GB less)
#   docker build --build-arg TORCH_VARIANT=cuda -t ganviz:cuda .   # GPU: PyPI's CUDA build of torch
#   docker run -p 8501:8501 ganviz                            # http://localhost:8501
#   docker run --gpus all -p 8501:8501 ganviz:cuda            # needs the NVIDIA Container Toolkit
#
# Replicas behind nginx: deploy/compose.yaml. Budgets, sizes and measured numbers: docs/deployment.md.
FROM python:3.11-slim-bookworm

ARG TORCH_VARIANT=cpu
RUN apt-get update && apt-get install -y --no-install-recommends make \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 1000 ganviz \
    && mkdir /app && chown ganviz:ganviz /app
USER ganviz
WORKDIR /app

# The pinned requirements (torch among them) get a layer of their own, so that a change to the
# code does not download torch again; `make install` below then finds them installed. torch's CPU
# wheels live on PyTorch's own index (PyPI's Linux torch is the CUDA build): the venv's pip.conf
# names it, for every install into this venv.
COPY --chown=ganviz:ganviz requirements.txt ./
RUN python -m venv .venv \
    && if [ "$TORCH_VARIANT" = cpu ]; then \
         .venv/bin/pip config --site set global.extra-index-url https://download.pytorch.org/whl/cpu; fi \
    && .venv/bin/pip install --no-cache-dir -q -r requirements.txt

# runs/: where the app saves runs, owned by the app's user so that a volume mounted there is writable
COPY --chown=ganviz:ganviz . .
RUN PIP_NO_CACHE_DIR=1 make install && mkdir -p runs

# Streamlit reads STREAMLIT_SERVER_*; the budgets are per replica: GANVIZ_RUN_MEMORY_MB for one
# training, GANVIZ_SERVER_MEMORY_MB for all of this server's (default: half of the *machine's*
# memory, which a container's memory limit does not change: set it in a container).
# OMP_NUM_THREADS=1: concurrent sessions already fill the cores (docs/reliability.md).
ENV STREAMLIT_SERVER_ADDRESS=0.0.0.0 \
    STREAMLIT_SERVER_PORT=8501 \
    GANVIZ_RUN_MEMORY_MB=1536 \
    OMP_NUM_THREADS=1 \
    PYTHONUNBUFFERED=1
EXPOSE 8501
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 CMD ["/app/.venv/bin/python", "-c", \
    "import os, urllib.request; host = os.environ['STREAMLIT_SERVER_ADDRESS'].replace('0.0.0.0', '127.0.0.1'); urllib.request.urlopen('http://%s:%s/_stcore/health' % (host, os.environ['STREAMLIT_SERVER_PORT']), timeout=4)"]
CMD ["/app/.venv/bin/streamlit", "run", "app.py"]
