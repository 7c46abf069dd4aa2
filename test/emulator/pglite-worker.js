// Hosts the emulator's PGlite in a worker thread. PGlite loads its WASM and Node built-ins with dynamic
// import(), which Jest's module sandbox refuses (ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING_FLAG); a worker thread
// is plain Node, so the engine runs here and test/emulator/sql-engine.ts talks to it with messages.
// Kept in plain CommonJS JavaScript because workers are not compiled by Jest's transform.
const { parentPort, workerData } = require('node:worker_threads');
const { PGlite } = require('@electric-sql/pglite');

const identity = (value) => value;
/** Types whose Postgres text form the caller encodes itself (see result-encoding.ts). */
const rawParsers = Object.fromEntries(workerData.rawTypes.map((oid) => [oid, identity]));

/** Postgres error fields survive postMessage only as plain data. */
function plainError(err) {
  const e = err || {};
  return {
    message: String(e.message || err),
    code: e.code,
    position: e.position,
    detail: e.detail,
    hint: e.hint,
  };
}

const ready = PGlite.create(workerData.dataDir, { relaxedDurability: true }).then(async (db) => {
  await db.exec(workerData.setupSql);
  return db;
});

async function handle(db, message) {
  switch (message.kind) {
    case 'raw': {
      const result = await db.query(message.text, message.params, { rowMode: 'array', parsers: rawParsers });
      return {
        fields: result.fields,
        rows: result.rows,
        command: result.command,
        affectedRows: result.affectedRows || 0,
      };
    }
    case 'rows':
      return (await db.query(message.text, message.params)).rows;
    case 'copy':
      await db.query(message.text, [], { blob: new Blob([message.csv]) });
      return null;
    case 'close':
      if (!db.closed) await db.close();
      return null;
    default:
      throw new Error(`unknown message kind ${message.kind}`);
  }
}

// One message at a time, in arrival order (a COPY's blob must not interleave with another statement).
let queue = ready;
parentPort.on('message', (message) => {
  const run = queue.then((db) => handle(db, message));
  queue = run.then(
    () => ready,
    () => ready,
  );
  run.then(
    (value) => parentPort.postMessage({ id: message.id, ok: true, value }),
    (err) => parentPort.postMessage({ id: message.id, ok: false, error: plainError(err) }),
  );
});
