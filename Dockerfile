# zoom-bulk as a container: `docker run --rm -v zoom-bulk-data:/data --env-file zoom.env zoom-bulk run /data/manifest.csv`
FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:20-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
RUN mkdir -p /data && chown node:node /data
USER node
# Manifests, assets, results and state live on this volume.
VOLUME ["/data"]
WORKDIR /data
ENTRYPOINT ["node", "/app/dist/cli.js"]
CMD ["--help"]
