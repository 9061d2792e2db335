# Tellen collector image.
#   docker build -t tellen .                          embedded engine included (about 810 MB)
#   docker build -t tellen:server --build-arg ENGINE=server .
#                                                      for a ClickHouse server or cluster only (about 265 MB)
# Sizes are estimated from node_modules: production dependencies are 64 MB, the embedded engine's
# native library (@chdb/lib-*) another 545 MB, on node:20-bookworm-slim (about 200 MB).
ARG NODE_IMAGE=node:20.19.5-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npx tsx collector/build.ts

FROM ${NODE_IMAGE} AS runtime-deps
ARG ENGINE=embedded
WORKDIR /app
COPY package.json package-lock.json ./
# The engine's native library is an optional dependency of chdb: a server-mode image omits it.
RUN if [ "$ENGINE" = "server" ]; then npm ci --omit=dev --omit=optional --no-audit --no-fund; \
    else npm ci --omit=dev --no-audit --no-fund; fi \
 && npm cache clean --force

FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    DATA_DIR=/data
WORKDIR /app
COPY --from=runtime-deps /app/node_modules ./node_modules
COPY package.json ./
COPY --from=build /app/dist ./dist
# Read at run time: migrations, the SDK and dashboard sources (built in memory at start), the CLI.
COPY sql ./sql
COPY sdk/src ./sdk/src
COPY sdk/build.ts ./sdk/build.ts
COPY dashboard ./dashboard
COPY collector ./collector
COPY bin ./bin
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Node is PID 1's only process: SIGTERM and SIGINT reach the collector, which drains and exits.
STOPSIGNAL SIGTERM
CMD ["node", "--enable-source-maps", "dist/collector/src/main.js"]
