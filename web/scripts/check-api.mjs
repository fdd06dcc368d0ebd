// Fails when src/api/schema.d.ts is not what openapi-typescript makes of ../docs/openapi.json, the
// document the gateway serves (a test keeps that file equal to the gateway's route table).
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const dir = mkdtempSync(join(tmpdir(), 'api-'))
try {
  const fresh = join(dir, 'schema.d.ts')
  execFileSync('npx', ['openapi-typescript', '../docs/openapi.json', '--default-non-nullable', 'false', '-o', fresh], { stdio: 'ignore' })
  if (readFileSync(fresh, 'utf8') !== readFileSync('src/api/schema.d.ts', 'utf8')) {
    console.error('web/src/api/schema.d.ts differs from docs/openapi.json: run `npm run api` in web/')
    process.exit(1)
  }
  console.log('API client types match docs/openapi.json')
} finally {
  rmSync(dir, { recursive: true, force: true })
}
