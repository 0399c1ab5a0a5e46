# Job worker (pg-boss consumers + compute threads). Build from the repository root:
#   docker build -f infra/docker/worker.Dockerfile -t musar-worker .
# The Vulkan loader (libvulkan1) lets Dawn (npm `webgpu`) reach the GPU: on NVIDIA nodes the
# container toolkit mounts the driver's Vulkan ICD (NVIDIA_DRIVER_CAPABILITIES must include
# graphics). Without a GPU the worker falls back to wasm and logs that choice at start.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY . .
RUN npm ci --no-audit --no-fund

FROM node:20-bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends libvulkan1 mesa-vulkan-drivers vulkan-tools ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# Inside the container the metrics server must bind every interface (EXPOSE, Prometheus, probes);
# outside one it binds loopback by default (METRICS_HOST).
ENV NODE_ENV=production MUSAR_BACKEND=auto METRICS_PORT=9464 METRICS_HOST=0.0.0.0 \
    NVIDIA_VISIBLE_DEVICES=all NVIDIA_DRIVER_CAPABILITIES=compute,utility,graphics
COPY --from=build /app /app
USER node
EXPOSE 9464
HEALTHCHECK --interval=15s --timeout=3s CMD node -e "fetch('http://127.0.0.1:9464/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# SIGTERM → stop fetching, finish (or release after MUSAR_SHUTDOWN_GRACE_SECONDS) the running jobs.
STOPSIGNAL SIGTERM
CMD ["node", "--import", "tsx", "apps/worker/src/main.ts"]
