import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { cp, mkdir, readdir, readFile, rename, rm, rmdir, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, extname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { migrate, type SchemaDefinition, schemaVersion } from './migrations.ts'
import { openPglite, openPostgres, type Sql } from './sql.ts'

export interface OpenDatabaseOptions {
  /** `postgres://…`: a PostgreSQL server several processes share. */
  databaseUrl?: string | undefined
  /** Folder for the embedded database (PGlite); undefined with no URL keeps it in memory. */
  dataDir?: string | undefined
  /** PostgreSQL schema to use (created if absent), e.g. one per test run. */
  schema?: string | undefined
}

/** Opens PostgreSQL or embedded PGlite and brings `definition`'s tables up to date. */
export async function openDatabase(
  definition: SchemaDefinition,
  options: OpenDatabaseOptions = {},
): Promise<Sql> {
  let sql: Sql
  if (options.databaseUrl) {
    sql = await openPostgres(options.databaseUrl, options.schema ? { schema: options.schema } : {})
  } else {
    const fresh =
      !options.dataDir ||
      !existsSync(options.dataDir) ||
      (await readdir(options.dataDir)).length === 0
    if (!options.dataDir) sql = await openPglite(undefined, await migratedTemplate(definition))
    else {
      if (fresh) await copyTemplate(await migratedTemplateDir(definition), options.dataDir)
      sql = await openPglite(options.dataDir)
    }
  }
  try {
    await migrate(sql, definition)
  } catch (error) {
    await sql.close()
    throw error
  }
  return sql
}

const templates = new Map<string, Promise<Blob>>()
const templateDirs = new Map<string, Promise<string>>()
const childBuilds = new Map<string, Promise<boolean>>()

/**
 * Initialising an embedded cluster takes seconds; copying an initialised, migrated one takes a
 * fraction of that. A template is made once per schema version and kept in the temp folder.
 */
function migratedTemplate(definition: SchemaDefinition): Promise<Blob> {
  const version = schemaVersion(definition)
  let template = templates.get(version)
  if (!template) {
    template = (async () => {
      const file = templateFile(definition)
      if (!existsSync(file)) await buildTemplatesInChild(definition)
      if (existsSync(file)) return new Blob([await readFile(file)])
      return buildTemplateFile(definition, file)
    })()
    templates.set(version, template)
  }
  return template
}

function templateFile(definition: SchemaDefinition): string {
  return join(tmpdir(), `tollgate-template-${schemaVersion(definition)}.tar`)
}

function templateDirPath(definition: SchemaDefinition): string {
  return join(tmpdir(), `tollgate-template-${schemaVersion(definition)}`)
}

async function buildTemplateFile(definition: SchemaDefinition, file: string): Promise<Blob> {
  const sql = await openPglite()
  await migrate(sql, definition)
  const dump = await sql.dump!()
  await sql.close()
  const partial = `${file}.${process.pid}.partial`
  await writeFile(partial, Buffer.from(await dump.arrayBuffer()))
  // Renamed into place so a concurrent reader never sees half a file.
  await rename(partial, file)
  return dump
}

/**
 * A migrated database folder to copy new on-disk databases from. Opening a copied folder leaves
 * the process far smaller than unpacking a tarball into it: PGlite keeps the unpacked files'
 * buffers for as long as the database is open (about 80 MB against a handful).
 */
function migratedTemplateDir(definition: SchemaDefinition): Promise<string> {
  const version = schemaVersion(definition)
  let dir = templateDirs.get(version)
  if (!dir) {
    dir = (async () => {
      const path = templateDirPath(definition)
      if (!existsSync(path)) await buildTemplatesInChild(definition)
      if (existsSync(path)) return path
      return buildTemplateDir(definition, path)
    })()
    templateDirs.set(version, dir)
    dir.catch(() => templateDirs.delete(version))
  }
  return dir
}

async function buildTemplateDir(definition: SchemaDefinition, path: string): Promise<string> {
  const version = schemaVersion(definition)
  const partial = `${path}.${process.pid}.partial`
  await rm(partial, { recursive: true, force: true })
  const sql = await openPglite(partial, await migratedTemplate(definition))
  await sql.close()
  // The tarball stays in the temp folder; this process need not keep its bytes.
  templates.delete(version)
  // Renamed into place so a concurrent reader never copies half a folder; a process that
  // lost the race to another drops its own copy.
  await rename(partial, path).catch(async (error: unknown) => {
    await rm(partial, { recursive: true, force: true })
    if (!existsSync(path)) throw error
  })
  return path
}

/** Builds both templates in this process (what `templateBuilder` runs in a child process). */
export async function buildTemplates(definition: SchemaDefinition): Promise<void> {
  childBuilds.set(schemaVersion(definition), Promise.resolve(false))
  const path = templateDirPath(definition)
  if (!existsSync(path)) await buildTemplateDir(definition, path)
}

/**
 * Initialising a cluster takes PGlite several hundred megabytes that the process keeps as its
 * peak and much of as its size: a short-lived child process builds the templates instead, and
 * this one only opens a copy. Where no child can run the builder (a bundle without it, a test
 * runner's transformed sources), the templates are built here.
 */
function buildTemplatesInChild(definition: SchemaDefinition): Promise<boolean> {
  const version = schemaVersion(definition)
  let build = childBuilds.get(version)
  if (!build) {
    build = new Promise<boolean>((done) => {
      const own = fileURLToPath(import.meta.url)
      const builder = join(dirname(own), `templateBuilder${extname(own)}`)
      if (!existsSync(builder)) return done(false)
      const child = spawn(process.execPath, [...loaderFlags(process.execArgv), builder], {
        stdio: ['pipe', 'ignore', 'ignore'],
      })
      child.on('error', () => done(false))
      child.on('exit', (code) => done(code === 0))
      child.stdin.on('error', () => undefined)
      child.stdin.end(JSON.stringify(definition))
    })
    childBuilds.set(version, build)
  }
  return build
}

/** Flags that decide how the child loads modules (a TypeScript loader, export conditions). */
const loaderFlagNames = new Set([
  '--import',
  '--require',
  '-r',
  '--loader',
  '--experimental-loader',
  '--conditions',
  '-C',
])

function loaderFlags(execArgv: readonly string[]): string[] {
  const kept: string[] = []
  for (let index = 0; index < execArgv.length; index++) {
    const flag = execArgv[index]!
    const name = flag.split('=')[0]!
    if (!loaderFlagNames.has(name)) continue
    if (flag.includes('=')) kept.push(flag)
    else if (index + 1 < execArgv.length) kept.push(flag, execArgv[++index]!)
  }
  return kept
}

/** Copies the template beside `dataDir`, then renames it into place: a crash leaves no half copy. */
async function copyTemplate(template: string, dataDir: string): Promise<void> {
  const target = resolve(dataDir)
  await mkdir(dirname(target), { recursive: true })
  const partial = `${target}.${process.pid}.partial`
  await rm(partial, { recursive: true, force: true })
  await cp(template, partial, { recursive: true })
  // An empty folder made by the user (or an earlier attempt) gives way to the copy.
  if (existsSync(target)) await rmdir(target)
  await rename(partial, target)
}
