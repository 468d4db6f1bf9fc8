'use strict';
// The Express app (CommonJS), one copy per cluster worker (server.js). `express` is Debian's
// node-express from /usr/share/nodejs: paddock's engine puts that folder on NODE_PATH, since a
// nodejs that is not Debian's own does not search it.
const path = require('node:path');
const express = require('express');
const database = require('./db');

const appName = '{{app_name}}';
const allowedHosts = (process.env.ALLOWED_HOSTS || process.env.PADDOCK_ALLOWED_HOSTS || '127.0.0.1,localhost')
  .split(',').map((host) => host.trim().toLowerCase()).filter(Boolean);

// Read once per worker: a worker starts after the deploy hook has migrated (at launch, and in a
// rolling restart), so the figure is current without a query per request.
const applied = database.appliedMigrations();

const app = express();
app.disable('x-powered-by');
app.set('trust proxy', 'loopback');

// Before the host check: a probe (paddock's, a proxy's) may send any Host.
app.get('/healthz', (req, res) => res.type('text/plain').set('Cache-Control', 'no-store').send('ok\n'));

// Only the names in ALLOWED_HOSTS (paddock's env file: the host of the URL it prints).
app.use((req, res, next) => {
  const host = (req.hostname || '').toLowerCase();
  if (allowedHosts.includes('*') || allowedHosts.includes(host)) return next();
  res.status(400).type('text/plain').send(`Bad Request: host '${host}' is not in ALLOWED_HOSTS\n`);
});

app.use('/static', express.static(path.join(__dirname, 'public'), { maxAge: '1h' }));

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

app.get('/', (req, res) => {
  res.type('html').send(`<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>${escape(appName)}</title><link rel="stylesheet" href="/static/style.css"></head>
<body>
<h1>${escape(appName)}</h1>
<p class="lead">Your paddock Node.js app is running.</p>
<p>Express ${escape(require('express/package.json').version)} on Node.js ${escape(process.version)}, worker ${process.pid};
${applied.length} migration(s) applied.</p>
<p>Edit <code>app.js</code>, then run <code>paddock restart ${escape(appName)}</code>.</p>
</body>
</html>
`);
});

app.use((req, res) => res.status(404).type('text/plain').send('Not Found\n'));

module.exports = app;
module.exports.start = function start() {
  const port = parseInt(process.env.PORT || '8600', 10);
  const host = process.env.HOST || '127.0.0.1';
  const server = app.listen(port, host);
  // A worker asked to stop (paddock's memory limit sends SIGTERM) finishes its requests first;
  // the primary starts another.
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
  return server;
};
