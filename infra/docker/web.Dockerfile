# Web (Next.js dashboard + tRPC + better-auth). Build from the repository root:
#   docker build -f infra/docker/web.Dockerfile -t musar-web .
# In production (DATABASE_URL set) it runs no jobs: workers do (MUSAR_EMBEDDED_RUNNER=off).
FROM node:20-bookworm-slim AS build
WORKDIR /app
ENV NEXT_TELEMETRY_DISABLED=1 TURBO_TELEMETRY_DISABLED=1
COPY . .
RUN npm ci --no-audit --no-fund && npm run build -w @musar/web

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production NEXT_TELEMETRY_DISABLED=1 PORT=3000 MUSAR_EMBEDDED_RUNNER=off
COPY --from=build /app /app
USER node
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s CMD node -e "fetch('http://127.0.0.1:3000/api/trpc/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "node_modules/next/dist/bin/next", "start", "apps/web", "-p", "3000"]
