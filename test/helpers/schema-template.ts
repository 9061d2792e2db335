/**
 * Makes the run's template DATA_DIR (`schema-template.ts DIR`, a program of programs.ts): an
 * embedded database with `sql/schema.sql` applied, which `migratedDataDir` copies. Run in a process
 * of its own because the engine binds one data directory per process.
 */
import { openDb } from '../../collector/src/db/client.ts'
import { migrate } from '../../collector/src/db/migrate.ts'
import { applySchema } from '../../collector/src/db/schema.ts'

const dataDir = process.argv[2]
if (!dataDir) throw new Error('usage: schema-template.ts DATA_DIR')
const db = openDb({ dataDir })
try {
  await applySchema(db)
  // A schema.sql older than the migrations (a migration added, the snapshot not written again) is
  // brought up to date here, once per run; the schema test says to write it again.
  await migrate(db)
} finally {
  await db.close()
}
