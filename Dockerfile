# zoom-bulk as a container (README "Cron and containers"):
#   docker build -t zoom-bulk .
#   docker run --rm -v zoom-bulk-data:/data --env-file zoom.env zoom-bulk job /data/jobs/nightly-hr-sync.json
# Secrets come from the environment (ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID, ZOOM_CLIENT_SECRET) or from
# mounted files read by the caller's command; nothing secret is baked into the image.
#
# Base: Node.js 26, the LTS line that CI tests besides Node 20 (docs/node-versions.md), on Debian 13
# (trixie) slim, pinned by Node major and Debian release; rebuild to pick up their security updates.
# The one native dependency, classic-level, ships N-API prebuilt binaries for linux-x64 and
# linux-arm64 (glibc), so `npm ci` compiles nothing and the image needs no compiler.

# --- build: install everything, compile TypeScript, then keep only the production dependencies ---
FROM node:26-trixie-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

# --- runtime: Node 26 slim, no compilers, no dev dependencies, no npm, not root ---
FROM node:26-trixie-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY jobs ./jobs
COPY fixtures/demo ./fixtures/demo
# npm is not used at run time; without it the image has less to patch.
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/bin/npm /usr/local/bin/npx \
  && chmod 755 /app/dist/cli.js \
  && ln -s /app/dist/cli.js /usr/local/bin/zoom-bulk \
  && mkdir -p /data/results /data/state \
  && chown -R 1000:1000 /data
# The image's `node` user, by number so that Kubernetes' runAsNonRoot can verify it.
USER 1000:1000
# Manifests, assets, job files, results and --state live on this volume.
VOLUME ["/data"]
WORKDIR /data
ENTRYPOINT ["node", "/app/dist/cli.js"]
CMD ["--help"]
