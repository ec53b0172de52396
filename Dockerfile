# syntax=docker/dockerfile:1
# Lead distribution service: `docker build -t lead-distribution .`
# Node 24 LTS (Node 20 is past its end of life; the code also runs on Node 20.19 and later, and CI
# runs the built server on both: the machines' Node 20 and the Node 24 of this image).

# ---- build: all dependencies, the generated Prisma client, tsc -> dist/ -------------
FROM node:24-bookworm-slim AS build
WORKDIR /app

# Dependencies first, so this layer is reused while only the sources change.
# --ignore-scripts: package.json's allowScripts denies dependencies' install scripts only to an npm
# that reads it; whatever npm the image brings, none runs (Prisma's downloads a native engine nobody
# here uses). `npm run build` below
# generates the client itself, offline, through scripts/prisma-generate.mjs.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund

COPY tsconfig.json tsconfig.build.json prisma.config.ts ./
COPY scripts ./scripts
COPY prisma ./prisma
COPY src ./src
RUN npm run build

# ---- production: production dependencies, dist/ and the migrations only ---------------
FROM node:24-bookworm-slim AS production
WORKDIR /app
ENV NODE_ENV=production

# No install scripts: the Prisma client is already compiled into dist/.
# --omit=optional as well: @prisma/client names the prisma CLI and TypeScript as optional
# peers, so --omit=dev alone still installs both (~250 MB). The only other optional
# runtime package is pg-cloudflare, for Cloudflare Workers. A future dependency that
# needs an optional platform package would have to be checked here.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund && npm cache clean --force

COPY --from=build /app/dist ./dist
# dist/src/db/migrations-dir.js reads ../../../prisma/migrations, that is /app/prisma/migrations;
# the service applies them at start under an advisory lock.
COPY prisma/migrations ./prisma/migrations

# The embedded database (used when DATABASE_URL is unset) keeps its files in /data.
RUN mkdir -p /data && chown node:node /data
VOLUME ["/data"]

ENV HOST=0.0.0.0 PORT=3000 DATA_DIR=/data
USER node
EXPOSE 3000

# slim has no curl: node's own fetch asks /ready (200 once the database answers). The first
# start of the embedded database (initdb in WebAssembly) can take 20 s or more on a busy machine.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# The same image runs `npm run worker` (background jobs and the sweep, beside API containers with
# WORKERS=false on one DATABASE_URL): command `node --enable-source-maps dist/src/worker.js`, with
# the HEALTHCHECK disabled (`healthcheck: disable: true` in Compose): the worker serves no HTTP.
CMD ["node", "--enable-source-maps", "dist/src/server.js"]
