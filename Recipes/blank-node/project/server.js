'use strict';
// The process paddock's engine (node-cluster) starts: a cluster primary that holds the listening
// socket and runs WEB_CONCURRENCY workers (app.js). Clients never see a refused connection while
// workers come and go, because the socket belongs to the primary:
//   SIGHUP   rolling restart: for each old worker, a new one (loading the changed code) is
//            started, and only once it listens is the old one told to finish its requests and
//            exit. paddock's reload sends it (`paddock restart`).
//   a worker that dies (killed, crashed, past paddock's memory limit) is replaced.
//   SIGTERM / SIGINT  every worker finishes its requests and exits, then the primary.
const cluster = require('node:cluster');
const path = require('node:path');

const workersWanted = Math.max(1, parseInt(process.env.WEB_CONCURRENCY || '2', 10) || 2);
const gracefulMs = Math.max(1, parseInt(process.env.GRACEFUL_TIMEOUT || '30', 10) || 30) * 1000;

if (!cluster.isPrimary) {
  require(path.join(__dirname, 'app.js')).start();
  return;
}

let stopping = false;
let restarting = null;

function log(message) {
  console.log(`[primary ${process.pid}] ${message}`);
}

function startWorker() {
  const worker = cluster.fork();
  return new Promise((resolve, reject) => {
    const failed = (code) => reject(new Error(`worker ${worker.process.pid} exited with ${code} before listening`));
    worker.once('exit', failed);
    worker.once('listening', () => {
      worker.removeListener('exit', failed);
      resolve(worker);
    });
  });
}

// Asks a worker to finish its requests and exit; SIGKILL after the graceful timeout.
function retire(worker) {
  return new Promise((resolve) => {
    if (worker.isDead()) return resolve();
    const timer = setTimeout(() => worker.process.kill('SIGKILL'), gracefulMs);
    worker.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    worker.disconnect();
  });
}

async function rollingRestart() {
  const old = Object.values(cluster.workers);
  log(`rolling restart of ${old.length} worker(s)`);
  for (const worker of old) {
    try {
      const fresh = await startWorker();
      log(`worker ${fresh.process.pid} listens; retiring ${worker.process.pid}`);
    } catch (error) {
      // The new code does not start: the old workers go on serving.
      log(`restart stopped: ${error.message}; the running workers keep serving`);
      return;
    }
    await retire(worker);
  }
  log('rolling restart done');
}

// A worker that dies is replaced; one that dies within a second of starting (code that does
// not load) is replaced after a pause that doubles up to 10 s, so a broken app does not spin.
let pause = 0;
cluster.on('fork', (worker) => {
  worker.startedAt = Date.now();
});
cluster.on('exit', (worker, code, signal) => {
  if (stopping || worker.exitedAfterDisconnect) return;
  pause = Date.now() - worker.startedAt < 1000 ? Math.min(Math.max(pause * 2, 250), 10000) : 0;
  log(`worker ${worker.process.pid} died (${signal || code}); starting another${pause ? ` in ${pause} ms` : ''}`);
  setTimeout(() => {
    if (!stopping) cluster.fork();
  }, pause);
});

process.on('SIGHUP', () => {
  if (stopping) return;
  // A HUP during a restart restarts again once that one is done, so the newest code wins.
  restarting = (restarting || Promise.resolve()).then(rollingRestart).finally(() => {
    restarting = null;
  });
});

for (const name of ['SIGTERM', 'SIGINT']) {
  process.on(name, async () => {
    if (stopping) return;
    stopping = true;
    log(`${name}: stopping`);
    await Promise.all(Object.values(cluster.workers).map(retire));
    process.exit(0);
  });
}

log(`starting ${workersWanted} worker(s)`);
for (let i = 0; i < workersWanted; i += 1) cluster.fork();
