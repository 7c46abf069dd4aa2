# syntax=docker/dockerfile:1
# The snowpatrol image: one image for the worker (default command), the Slack app (`slack`) and every CLI command
# (`schedules apply`, `replay --query …`, `run --no-worker`, …).
#
#   docker build -t snowpatrol .
#   docker run --rm --env-file .env snowpatrol              # the worker; needs TEMPORAL_ADDRESS and DATABASE_URL
#   docker run --rm --env-file .env snowpatrol replay --query "WorkflowType='snowpatrolPipeline'"
#
# The build stage runs the checks CI runs (.ci/run: install from the lockfile, type check, lint), bundles the
# workflow code once, and drops the dev dependencies. The runtime stage holds production node_modules, the sources
# tsx runs, and the prebuilt workflow bundle, and runs as a non-root user under tini.

ARG NODE_VERSION=20.20.2

FROM node:${NODE_VERSION}-bookworm-slim AS build
# The npm version CI uses: it wrote the lockfile, and, as in CI, it leaves packages' install scripts unrun.
ARG NPM_VERSION=11.19.1
RUN npm install --global --no-audit --no-fund npm@${NPM_VERSION}
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --no-audit --no-fund
COPY . .
RUN npm run typecheck
RUN npm run lint
RUN npm run bundle:workflows
RUN npm prune --omit=dev
# The Temporal core bridge ships a native library for five platforms; keep only this one's (≈110 MB less).
RUN keep="$(node -p "require('@temporalio/core-bridge/common').getPrebuiltTargetName()")" \
 && find node_modules/@temporalio/core-bridge/releases -mindepth 1 -maxdepth 1 ! -name "$keep" -exec rm -rf {} + \
 && node -e "require('@temporalio/core-bridge')"

FROM node:${NODE_VERSION}-bookworm-slim AS runtime
# tini runs as PID 1 and passes SIGTERM on to node, so the worker drains its tasks before it stops. The Slack
# charts render their text in DejaVu Sans (resvg loads system fonts); a slim image has no fonts otherwise.
RUN apt-get update \
 && apt-get install --yes --no-install-recommends tini fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# Owned by root and read-only to the process: only SNOWPATROL_HOME (outbox, embedded state) is writable.
COPY --from=build /app/package.json /app/tsconfig.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/workflows ./workflows
COPY --from=build /app/activities ./activities
COPY --from=build /app/worker ./worker
COPY --from=build /app/client ./client
COPY --from=build /app/schemas ./schemas
COPY --from=build /app/dist/workflow-bundle.js ./dist/workflow-bundle.js
RUN mkdir -p /var/lib/snowpatrol && chown node:node /var/lib/snowpatrol
ENV NODE_ENV=production \
    SNOWPATROL_WORKFLOW_BUNDLE=/app/dist/workflow-bundle.js \
    SNOWPATROL_HOME=/var/lib/snowpatrol \
    SNOWPATROL_LOG_JSON=true \
    SNOWPATROL_METRICS_PORT=9464 \
    SLACK_PORT=3000
USER node
# Load the CLI once, as the entrypoint will: the image fails to build rather than to start if production
# dependencies miss a package (tsx's compile cache it leaves also makes the first start quicker).
RUN node --import tsx client/main.ts --help > /dev/null && test -s "$SNOWPATROL_WORKFLOW_BUNDLE"
# 9464: the worker's Prometheus metrics (also its health check); 3000: the Slack app's receiver and /healthz.
EXPOSE 9464 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.SNOWPATROL_METRICS_PORT || 9464) + '/metrics').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--", "node", "--import", "tsx", "client/main.ts"]
CMD ["worker"]
