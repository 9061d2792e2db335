/**
 * Writes `sql/schema.sql`: applies every migration to an empty embedded database in a temporary
 * directory and dumps the schema they produce (`npm run schema`).
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { openDb } from '../collector/src/db/client.ts'
import { migrate } from '../collector/src/db/migrate.ts'
import { dumpSchema, SCHEMA_FILE } from '../collector/src/db/schema.ts'

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tellen-schema-'))
const db = openDb({ dataDir })
try {
  await migrate(db)
  fs.writeFileSync(SCHEMA_FILE, await dumpSchema(db))
  process.stdout.write(`wrote ${path.relative(process.cwd(), SCHEMA_FILE)}\n`)
} finally {
  await db.close()
  fs.rmSync(dataDir, { recursive: true, force: true })
}
