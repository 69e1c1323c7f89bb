# One image for the API (`start`) and the Temporal worker (`worker`), and the CLI (`migrate`,
# `create-admin`, `temporal-migrate`). It runs the server bundle (bin/build-server.mjs: esbuild, with the pure
# JavaScript packages; native and on-demand ones stay in node_modules) exactly as `npm start`, and serves the
# web application built in the first stage.
FROM node:20-bookworm-slim AS web
WORKDIR /app
COPY package.json package-lock.json ./
COPY web/package.json web/
# Everything, dev dependencies included: the web build needs Vite, vue-tsc and the app's own OpenAPI.
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build:web

FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY web/package.json web/
# Production dependencies only, from the lockfile; install scripts follow package.json's allowScripts.
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    PORT=3000 \
    HOST=0.0.0.0 \
    DATA_DIR=/data
# Official documents' PDFs and ledger prints: LibreOffice without its GUI, and open CJK fonts for the
# standard's font names (documents/fonts.conf maps them).
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libreoffice-writer-nogui libreoffice-calc-nogui fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY . .
COPY --from=web /app/web/dist ./web/dist
# Built in place: each module's paths (migrations, web/dist, the Temporal workflows) are those under /app.
RUN node bin/build-server.mjs
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 3000
# /healthz: the process answers; compose checks /readyz (database and Temporal reachable) for the API.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# The server's node flags, as `npm start` gives them (package.json; bench/server-process.ts reads them there and
# test/unit/server-flags.test.ts keeps the two equal). --max-old-space-size: docs/design-notes.md, "A heap budget".
ENTRYPOINT ["node", "--max-old-space-size=1024", "--max-semi-space-size=8", ".build/server/zhenggai.js"]
CMD ["start"]
