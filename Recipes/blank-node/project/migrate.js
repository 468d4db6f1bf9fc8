#!/usr/bin/env node
'use strict';
// The deploy hook of paddock's Blank Node.js Project: applies, in name order, each
// migrations/*.sql not yet recorded in the schema_migrations table, each in one transaction
// with its record, so a failing migration leaves nothing half done. paddock runs it in the
// app's folder with the app's environment at install and after every change, before the
// workers serve the new code; a failure stops the deploy (exit 1) and the running version
// keeps serving. Running it again is safe.
const fs = require('node:fs');
const path = require('node:path');
const database = require('./db');

function main() {
  const folder = path.join(__dirname, 'migrations');
  const files = fs.readdirSync(folder).filter((name) => name.endsWith('.sql')).sort();
  database.run('CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL);');
  const applied = new Set(database.appliedMigrations());
  console.log(`==> migrations in ${database.databasePath()}`);
  let count = 0;
  for (const name of files) {
    if (applied.has(name)) continue;
    const sql = fs.readFileSync(path.join(folder, name), 'utf8');
    const record = `INSERT INTO schema_migrations (name, applied_at) VALUES ('${name.replace(/'/g, "''")}', datetime('now'));`;
    try {
      database.run(`BEGIN;\n${sql}\n${record}\nCOMMIT;`);
    } catch (error) {
      console.error(`migrate.js: migration ${name} failed: ${(error.stderr || error.message).toString().trim()}; deploy stopped`);
      process.exit(1);
    }
    console.log(`    applied ${name}`);
    count += 1;
  }
  console.log(`    ${count} applied, ${files.length} in all`);
  console.log('migrate.js: done');
}

main();
