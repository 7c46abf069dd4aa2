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

const rawTypeSet = new Set(workerData.rawTypes);

/** `'…'` with quotes doubled (standard_conforming_strings is on), or NULL. */
function literal(value) {
  return value === null || value === undefined ? 'NULL' : `'${String(value).replace(/'/g, "''")}'`;
}

/** Parse COPY … (FORMAT csv, FORCE_QUOTE *) output: every value quoted, so an empty unquoted field is NULL. */
function parseForcedCsv(text) {
  const rows = [];
  let row = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        const end = text.indexOf('"', i);
        value += text.slice(i, end);
        if (text[end + 1] === '"') {
          value += '"';
          i = end + 2;
        } else {
          i = end + 1;
          break;
        }
      }
      row.push(value);
    } else if (text[i] === ',' || text[i] === '\n') {
      row.push(null);
    }
    if (text[i] === ',') i++;
    else if (text[i] === '\n') {
      rows.push(row);
      row = [];
      i++;
    }
  }
  return rows;
}

/**
 * A plain SELECT whose result types are all encoded from text can be answered through COPY … TO '/dev/blob':
 * one CSV blob instead of PGlite's per-row protocol parsing, about five times faster for big results. COPY
 * takes no parameters, so they are inlined as quoted literals — only for statements with no quotes of their own.
 * Returns undefined when the statement does not qualify.
 */
async function selectViaCopy(db, text, params) {
  if (!/^\s*select\b/i.test(text) || /['"]/.test(text)) return undefined;
  const described = await db.query(`select * from (${text}) as q limit 0`, params, {
    rowMode: 'array',
    parsers: rawParsers,
  });
  if (!described.fields.every((f) => rawTypeSet.has(f.dataTypeID))) return undefined;
  const inlined = text.replace(/\$(\d+)/g, (_, n) => literal(params[Number(n) - 1]));
  const copied = await db.query(`copy (${inlined}) to '/dev/blob' with (format csv, force_quote *)`);
  const rows = copied.blob ? parseForcedCsv(await copied.blob.text()) : [];
  return { fields: described.fields, rows, command: 'SELECT', affectedRows: 0 };
}

async function handle(db, message) {
  switch (message.kind) {
    case 'raw': {
      const fast = await selectViaCopy(db, message.text, message.params).catch(() => undefined);
      if (fast) return fast;
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
