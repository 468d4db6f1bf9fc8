'use strict';
// The app's SQLite database: db.sqlite3 in paddock's data folder for the app (PADDOCK_DATA_DIR,
// outside the source tree). SQL goes through Debian's sqlite3 shell, which works whichever
// nodejs runs the app: Debian's node-sqlite3 module is built for Debian's own nodejs only
// (libnode108), and cannot be installed beside a nodejs from elsewhere.
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

function databasePath() {
  const folder = process.env.PADDOCK_DATA_DIR || path.join(__dirname, 'data');
  fs.mkdirSync(folder, { recursive: true });
  return path.join(folder, 'db.sqlite3');
}

// Runs SQL (given on stdin, never through a shell); returns the rows, tab-separated.
function run(sql) {
  const output = execFileSync('sqlite3', ['-batch', '-bail', '-separator', '\t', databasePath()], {
    input: `.timeout 5000\n${sql}\n`,
    encoding: 'utf8',
  });
  return output.split('\n').filter((line) => line !== '');
}

function appliedMigrations() {
  try {
    return run("SELECT name FROM schema_migrations ORDER BY name;");
  } catch (error) {
    return [];
  }
}

module.exports = { databasePath, run, appliedMigrations };
