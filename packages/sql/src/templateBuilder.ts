/**
 * Run by `openDatabase` as a child process: reads a schema definition as JSON on stdin and builds
 * its template databases in the temp folder, so the opening process never initialises a cluster.
 */
import type { SchemaDefinition } from './migrations.ts'
import { buildTemplates } from './openDatabase.ts'

const chunks: Buffer[] = []
for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
const definition = JSON.parse(Buffer.concat(chunks).toString('utf8')) as SchemaDefinition
await buildTemplates(definition)
