// Drives a running Tollgate with the official OpenMeter JavaScript SDK and asserts exact OpenMeter v1 behaviour.
//
//   TOLLGATE_URL=http://127.0.0.1:PORT/ node compat.mjs
//
// Every event time is fixed in January 2024 and every query names its own from/to, so each number below is exact.
// The first mismatch prints the step, what differed and the HTTP problem (if any), and exits 1.

import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { HTTPError, OpenMeter } from '@openmeter/sdk'

const baseUrl = process.env.TOLLGATE_URL
if (!baseUrl) {
  console.error('compat: set TOLLGATE_URL to the Tollgate admin base URL (where /api/v1/... is served)')
  process.exit(2)
}

const sdkVersion = JSON.parse(
  readFileSync(new URL('./node_modules/@openmeter/sdk/package.json', import.meta.url), 'utf8'),
).version
const openmeter = new OpenMeter({ baseUrl })

// ---------------------------------------------------------------------------------------------------------------
// Steps and reporting

let steps = 0
async function step(name, body) {
  try {
    await body()
    steps++
  } catch (error) {
    console.error(`compat: FAILED at step ${steps + 1} "${name}" (@openmeter/sdk ${sdkVersion}, ${baseUrl})`)
    console.error(describe(error))
    process.exit(1)
  }
}

function describe(error) {
  if (error instanceof HTTPError) {
    const raw = error.getField ? JSON.stringify(error.__raw ?? null) : ''
    return `HTTP ${error.status} from ${error.url}: ${error.message}${raw && raw !== 'null' ? `\nproblem: ${raw}` : ''}`
  }
  if (error instanceof assert.AssertionError) {
    return `${error.message}`
  }
  return error?.stack ?? String(error)
}

/** Asserts that the call fails with an HTTPError of the given status. */
async function expectStatus(status, call, what) {
  let caught
  try {
    await call()
  } catch (error) {
    caught = error
  }
  assert.ok(caught !== undefined, `${what}: expected HTTP ${status}, but the call succeeded`)
  if (!(caught instanceof HTTPError)) {
    throw caught
  }
  assert.equal(caught.status, status, `${what}: expected HTTP ${status}, got ${caught.status} (${caught.message})`)
}

/** A query row reduced to plain comparable values, rows sorted so that order in the answer does not matter. */
function rows(result) {
  assert.ok(result && Array.isArray(result.data), `query answer must have a data array, got ${JSON.stringify(result)}`)
  return result.data
    .map((row) => {
      assert.ok(row.windowStart instanceof Date, `windowStart must be an RFC 3339 date-time, got ${JSON.stringify(row.windowStart)}`)
      assert.ok(row.windowEnd instanceof Date, `windowEnd must be an RFC 3339 date-time, got ${JSON.stringify(row.windowEnd)}`)
      assert.ok('subject' in row, `row must carry subject (null when not grouped by subject): ${JSON.stringify(row)}`)
      assert.ok(row.groupBy !== null && typeof row.groupBy === 'object', `row must carry a groupBy object: ${JSON.stringify(row)}`)
      return {
        windowStart: row.windowStart.toISOString(),
        windowEnd: row.windowEnd.toISOString(),
        subject: row.subject,
        groupBy: Object.fromEntries(Object.entries(row.groupBy).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
        value: row.value,
      }
    })
    .sort((a, b) => {
      const ka = JSON.stringify([a.windowStart, a.subject, a.groupBy])
      const kb = JSON.stringify([b.windowStart, b.subject, b.groupBy])
      return ka < kb ? -1 : ka > kb ? 1 : 0
    })
}

function row(windowStart, windowEnd, subject, groupBy, value) {
  return { windowStart, windowEnd, subject, groupBy, value }
}

function sorted(values) {
  return [...values].sort()
}

// ---------------------------------------------------------------------------------------------------------------
// The data

const FROM = '2024-01-01T00:00:00.000Z'
const DAY2 = '2024-01-02T00:00:00.000Z'
const TO = '2024-01-03T00:00:00.000Z'
const from = new Date(FROM)
const to = new Date(TO)
const SOURCE = 'tollgate-compat'
const ULID = /^[0-7][0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{25}$/

const prompt = (id, subject, time, model, type, tokens) => ({
  id,
  source: SOURCE,
  type: 'prompt',
  subject,
  time: new Date(time),
  data: { model, type, tokens },
})

// In range (2024-01-01 .. 2024-01-03):
//   day 1: customer-1 gpt-4 input 100, customer-1 gpt-4 output "250" (numeric string), customer-2 gpt-3.5 input 40
//   day 2: customer-1 gpt-4 input 60, customer-2 gpt-4 output 5, customer-1 gpt-3.5 output 1.5
// Outside the range: customer-1 gpt-4 input 1000 on 2023-12-31.
// Another event type (not metered): customer-3.
// Duplicates (same id and source) of evt-1 and evt-3 must count once.
const e0 = prompt('evt-0', 'customer-1', '2023-12-31T23:00:00Z', 'gpt-4', 'input', 1000)
const e1 = prompt('evt-1', 'customer-1', '2024-01-01T10:00:00Z', 'gpt-4', 'input', 100)
const e2 = prompt('evt-2', 'customer-1', '2024-01-01T11:00:00Z', 'gpt-4', 'output', '250')
const e3 = prompt('evt-3', 'customer-2', '2024-01-01T12:00:00Z', 'gpt-3.5', 'input', 40)
const e4 = prompt('evt-4', 'customer-1', '2024-01-02T09:00:00Z', 'gpt-4', 'input', 60)
const e5 = prompt('evt-5', 'customer-2', '2024-01-02T15:30:00Z', 'gpt-4', 'output', 5)
const e6 = prompt('evt-6', 'customer-1', '2024-01-02T20:00:00Z', 'gpt-3.5', 'output', 1.5)
const other = {
  id: 'evt-other',
  source: SOURCE,
  type: 'embedding',
  subject: 'customer-3',
  time: new Date('2024-01-01T13:00:00Z'),
  data: { model: 'gpt-4', type: 'input', tokens: 7 },
}

// ---------------------------------------------------------------------------------------------------------------
// Meters

let tokensMeter
let countMeter

await step('meters.create SUM meter with groupBy', async () => {
  tokensMeter = await openmeter.meters.create({
    slug: 'tokens_total',
    name: 'Tokens Total',
    description: 'AI token usage',
    aggregation: 'SUM',
    eventType: 'prompt',
    valueProperty: '$.tokens',
    groupBy: { model: '$.model', type: '$.type' },
  })
  // The spec's meterIdOrSlug path pattern: a slug or a ULID.
  assert.match(tokensMeter.id, ULID, 'a meter id is a ULID')
  assert.equal(tokensMeter.slug, 'tokens_total')
  assert.equal(tokensMeter.name, 'Tokens Total')
  assert.equal(tokensMeter.description, 'AI token usage')
  assert.equal(tokensMeter.aggregation, 'SUM')
  assert.equal(tokensMeter.eventType, 'prompt')
  assert.equal(tokensMeter.valueProperty, '$.tokens')
  assert.deepEqual(tokensMeter.groupBy, { model: '$.model', type: '$.type' })
  assert.ok(tokensMeter.createdAt instanceof Date, 'createdAt must be an RFC 3339 date-time')
  assert.ok(tokensMeter.updatedAt instanceof Date, 'updatedAt must be an RFC 3339 date-time')
  assert.equal(tokensMeter.deletedAt, undefined, 'a live meter has no deletedAt')
})

await step('meters.create COUNT meter (name defaults to slug)', async () => {
  countMeter = await openmeter.meters.create({
    slug: 'prompt_count',
    aggregation: 'COUNT',
    eventType: 'prompt',
  })
  assert.match(countMeter.id, ULID, 'a meter id is a ULID')
  assert.equal(countMeter.slug, 'prompt_count')
  assert.equal(countMeter.name, 'prompt_count')
  assert.equal(countMeter.aggregation, 'COUNT')
  assert.equal(countMeter.eventType, 'prompt')
  assert.notEqual(countMeter.id, tokensMeter.id, 'meters must have distinct ids')
})

await step('meters.create with a taken slug answers 409', async () => {
  await expectStatus(
    409,
    () => openmeter.meters.create({ slug: 'prompt_count', aggregation: 'COUNT', eventType: 'prompt' }),
    'creating a second meter with slug prompt_count',
  )
})

await step('meters.get by slug and by id', async () => {
  const bySlug = await openmeter.meters.get('tokens_total')
  assert.equal(bySlug.id, tokensMeter.id)
  assert.equal(bySlug.slug, 'tokens_total')
  assert.equal(bySlug.aggregation, 'SUM')
  assert.equal(bySlug.valueProperty, '$.tokens')
  assert.deepEqual(bySlug.groupBy, { model: '$.model', type: '$.type' })
  assert.equal(bySlug.createdAt.toISOString(), tokensMeter.createdAt.toISOString())

  const byId = await openmeter.meters.get(countMeter.id)
  assert.equal(byId.slug, 'prompt_count')
  assert.equal(byId.aggregation, 'COUNT')

  await expectStatus(404, () => openmeter.meters.get('no_such_meter'), 'meters.get of an unknown slug')
})

await step('meters.list (ordered by key)', async () => {
  const list = await openmeter.meters.list()
  assert.ok(Array.isArray(list), `meters.list must answer a JSON array, got ${JSON.stringify(list)}`)
  assert.deepEqual(
    list.map((m) => m.slug),
    ['prompt_count', 'tokens_total'],
  )
  assert.equal(list[1].id, tokensMeter.id)
})

// ---------------------------------------------------------------------------------------------------------------
// Events

await step('events.ingest single events', async () => {
  assert.equal(await openmeter.events.ingest(e1), undefined, 'ingest answers 204 No Content')
  assert.equal(await openmeter.events.ingest(e2), undefined, 'ingest answers 204 No Content')
})

await step('events.ingest batch with an in-batch duplicate', async () => {
  assert.equal(await openmeter.events.ingest([e0, e3, e4, e3, e5, e6, other]), undefined, 'ingest answers 204 No Content')
})

await step('events.ingest a re-sent event (same id and source)', async () => {
  assert.equal(await openmeter.events.ingest({ ...e1, data: { ...e1.data } }), undefined, 'ingest answers 204 No Content')
})

await step('events.list in range counts each event once', async () => {
  // OpenMeter processes events asynchronously: wait (bounded) until the COUNT meter has seen them all.
  const deadline = Date.now() + 15_000
  for (;;) {
    const total = await openmeter.meters.query('prompt_count', { from, to })
    const value = total.data.reduce((sum, r) => sum + r.value, 0)
    if (value >= 6 || Date.now() > deadline) {
      break
    }
    await new Promise((resolve) => setTimeout(resolve, 200))
  }

  const events = await openmeter.events.list({ from, to })
  assert.ok(Array.isArray(events), `events.list must answer a JSON array, got ${JSON.stringify(events)}`)
  assert.deepEqual(
    sorted(events.map((e) => e.event.id)),
    ['evt-1', 'evt-2', 'evt-3', 'evt-4', 'evt-5', 'evt-6', 'evt-other'],
  )
  const two = events.find((e) => e.event.id === 'evt-2')
  assert.equal(two.event.subject, 'customer-1')
  assert.equal(two.event.type, 'prompt')
  assert.equal(two.event.source, SOURCE)
  assert.equal(two.event.time.toISOString(), '2024-01-01T11:00:00.000Z')
  assert.deepEqual(two.event.data, { model: 'gpt-4', type: 'output', tokens: '250' })
})

// ---------------------------------------------------------------------------------------------------------------
// Queries

await step('meters.query SUM over the range', async () => {
  const result = await openmeter.meters.query('tokens_total', { from, to })
  assert.equal(result.from.toISOString(), FROM)
  assert.equal(result.to.toISOString(), TO)
  assert.deepEqual(rows(result), [row(FROM, TO, null, {}, 456.5)])
})

await step('meters.query COUNT over the range (duplicates count once)', async () => {
  const result = await openmeter.meters.query('prompt_count', { from, to })
  assert.deepEqual(rows(result), [row(FROM, TO, null, {}, 6)])
})

await step('meters.query windowSize DAY', async () => {
  const result = await openmeter.meters.query('tokens_total', { from, to, windowSize: 'DAY' })
  assert.equal(result.windowSize, 'DAY')
  assert.deepEqual(rows(result), [row(FROM, DAY2, null, {}, 390), row(DAY2, TO, null, {}, 66.5)])

  const counts = await openmeter.meters.query('prompt_count', { from, to, windowSize: 'DAY' })
  assert.deepEqual(rows(counts), [row(FROM, DAY2, null, {}, 3), row(DAY2, TO, null, {}, 3)])
})

await step('meters.query subject filter', async () => {
  const one = await openmeter.meters.query('tokens_total', { from, to, subject: ['customer-1'] })
  assert.deepEqual(rows(one), [row(FROM, TO, 'customer-1', {}, 411.5)])

  const two = await openmeter.meters.query('tokens_total', { from, to, subject: ['customer-1', 'customer-2'] })
  assert.deepEqual(rows(two), [row(FROM, TO, 'customer-1', {}, 411.5), row(FROM, TO, 'customer-2', {}, 45)])

  const daily = await openmeter.meters.query('prompt_count', { from, to, windowSize: 'DAY', subject: ['customer-2'] })
  assert.deepEqual(rows(daily), [row(FROM, DAY2, 'customer-2', {}, 1), row(DAY2, TO, 'customer-2', {}, 1)])

  const nobody = await openmeter.meters.query('tokens_total', { from, to, subject: ['customer-3'] })
  assert.deepEqual(rows(nobody), [])
})

await step('meters.query groupBy', async () => {
  const byModel = await openmeter.meters.query('tokens_total', { from, to, groupBy: ['model'] })
  assert.deepEqual(rows(byModel), [
    row(FROM, TO, null, { model: 'gpt-3.5' }, 41.5),
    row(FROM, TO, null, { model: 'gpt-4' }, 415),
  ])

  const byModelType = await openmeter.meters.query('tokens_total', { from, to, groupBy: ['model', 'type'] })
  assert.deepEqual(rows(byModelType), [
    row(FROM, TO, null, { model: 'gpt-3.5', type: 'input' }, 40),
    row(FROM, TO, null, { model: 'gpt-3.5', type: 'output' }, 1.5),
    row(FROM, TO, null, { model: 'gpt-4', type: 'input' }, 160),
    row(FROM, TO, null, { model: 'gpt-4', type: 'output' }, 255),
  ])

  const bySubject = await openmeter.meters.query('prompt_count', { from, to, groupBy: ['subject'] })
  assert.deepEqual(rows(bySubject), [row(FROM, TO, 'customer-1', {}, 4), row(FROM, TO, 'customer-2', {}, 2)])

  const bySubjectModel = await openmeter.meters.query('tokens_total', {
    from,
    to,
    windowSize: 'DAY',
    groupBy: ['subject', 'model'],
  })
  assert.deepEqual(rows(bySubjectModel), [
    row(FROM, DAY2, 'customer-1', { model: 'gpt-4' }, 350),
    row(FROM, DAY2, 'customer-2', { model: 'gpt-3.5' }, 40),
    row(DAY2, TO, 'customer-1', { model: 'gpt-3.5' }, 1.5),
    row(DAY2, TO, 'customer-1', { model: 'gpt-4' }, 60),
    row(DAY2, TO, 'customer-2', { model: 'gpt-4' }, 5),
  ])

  await expectStatus(
    400,
    () => openmeter.meters.query('tokens_total', { from, to, groupBy: ['region'] }),
    'grouping by a key the meter does not have',
  )
})

await step('meters.query filterGroupBy', async () => {
  const gpt4 = await openmeter.meters.query('tokens_total', { from, to, filterGroupBy: { model: 'gpt-4' } })
  assert.deepEqual(rows(gpt4), [row(FROM, TO, null, {}, 415)])

  const gpt4ByType = await openmeter.meters.query('tokens_total', {
    from,
    to,
    windowSize: 'DAY',
    groupBy: ['type'],
    filterGroupBy: { model: 'gpt-4' },
  })
  assert.deepEqual(rows(gpt4ByType), [
    row(FROM, DAY2, null, { type: 'input' }, 100),
    row(FROM, DAY2, null, { type: 'output' }, 250),
    row(DAY2, TO, null, { type: 'input' }, 60),
    row(DAY2, TO, null, { type: 'output' }, 5),
  ])

  const twoFilters = await openmeter.meters.query('tokens_total', {
    from,
    to,
    subject: ['customer-1'],
    filterGroupBy: { model: 'gpt-4', type: 'output' },
  })
  assert.deepEqual(rows(twoFilters), [row(FROM, TO, 'customer-1', {}, 250)])
})

await step('meters.queryPost', async () => {
  const result = await openmeter.meters.queryPost('tokens_total', {
    from,
    to,
    windowSize: 'DAY',
    groupBy: ['model'],
    filterGroupBy: { type: ['input'] },
  })
  assert.equal(result.windowSize, 'DAY')
  assert.deepEqual(rows(result), [
    row(FROM, DAY2, null, { model: 'gpt-3.5' }, 40),
    row(FROM, DAY2, null, { model: 'gpt-4' }, 100),
    row(DAY2, TO, null, { model: 'gpt-4' }, 60),
  ])
})

await step('list meter subjects (GET /api/v1/meters/{meterIdOrSlug}/subjects via the SDK client)', async () => {
  // The SDK has no wrapper method for this operation; its typed openapi-fetch client calls it.
  const resp = await openmeter.client.GET('/api/v1/meters/{meterIdOrSlug}/subjects', {
    params: { path: { meterIdOrSlug: 'tokens_total' } },
  })
  if (resp.error || resp.response.status >= 400) {
    throw HTTPError.fromResponse(resp)
  }
  assert.equal(resp.response.status, 200)
  assert.deepEqual(sorted(resp.data), ['customer-1', 'customer-2'])

  const ranged = await openmeter.client.GET('/api/v1/meters/{meterIdOrSlug}/subjects', {
    params: { path: { meterIdOrSlug: 'prompt_count' }, query: { from: DAY2, to: TO } },
  })
  if (ranged.error || ranged.response.status >= 400) {
    throw HTTPError.fromResponse(ranged)
  }
  assert.deepEqual(sorted(ranged.data), ['customer-1', 'customer-2'])
})

await step('meters.listGroupByValues', async () => {
  assert.deepEqual(sorted(await openmeter.meters.listGroupByValues('tokens_total', 'model', { from, to })), ['gpt-3.5', 'gpt-4'])
  assert.deepEqual(sorted(await openmeter.meters.listGroupByValues('tokens_total', 'type', { from, to })), ['input', 'output'])
})

// ---------------------------------------------------------------------------------------------------------------
// Subjects

let subjectOne

await step('subjects.upsert creates', async () => {
  const created = await openmeter.subjects.upsert([
    { key: 'customer-1', displayName: 'Customer One', metadata: { tier: 'gold' } },
    { key: 'customer-9', displayName: 'Customer Nine' },
  ])
  assert.ok(Array.isArray(created), `subjects.upsert must answer a JSON array, got ${JSON.stringify(created)}`)
  assert.deepEqual(
    created.map((s) => s.key),
    ['customer-1', 'customer-9'],
  )
  subjectOne = created[0]
  assert.equal(typeof subjectOne.id, 'string', 'subject must have a string id')
  assert.ok(subjectOne.id.length > 0, 'subject id must not be empty')
  assert.equal(subjectOne.displayName, 'Customer One')
  assert.deepEqual(subjectOne.metadata, { tier: 'gold' })
  assert.ok(subjectOne.createdAt instanceof Date, 'createdAt must be an RFC 3339 date-time')
  assert.ok(subjectOne.updatedAt instanceof Date, 'updatedAt must be an RFC 3339 date-time')
  assert.equal(created[1].displayName, 'Customer Nine')
  assert.notEqual(created[1].id, subjectOne.id, 'subjects must have distinct ids')
})

await step('subjects.upsert updates (single subject, id kept)', async () => {
  const updated = await openmeter.subjects.upsert({ key: 'customer-1', displayName: 'Customer 1', metadata: { tier: 'silver' } })
  assert.equal(updated.length, 1)
  assert.equal(updated[0].id, subjectOne.id, 'upserting an existing key keeps its id')
  assert.equal(updated[0].key, 'customer-1')
  assert.equal(updated[0].displayName, 'Customer 1')
  assert.deepEqual(updated[0].metadata, { tier: 'silver' })
})

await step('subjects.list', async () => {
  const list = await openmeter.subjects.list()
  assert.ok(Array.isArray(list), `subjects.list must answer a JSON array, got ${JSON.stringify(list)}`)
  assert.deepEqual(sorted(list.map((s) => s.key)), ['customer-1', 'customer-9'])
  assert.equal(list.find((s) => s.key === 'customer-1').displayName, 'Customer 1')
})

await step('subjects.get by key and by id', async () => {
  const byKey = await openmeter.subjects.get('customer-1')
  assert.equal(byKey.id, subjectOne.id)
  assert.equal(byKey.displayName, 'Customer 1')
  assert.deepEqual(byKey.metadata, { tier: 'silver' })

  const byId = await openmeter.subjects.get(subjectOne.id)
  assert.equal(byId.key, 'customer-1')

  await expectStatus(404, () => openmeter.subjects.get('customer-unknown'), 'subjects.get of an unknown key')
})

await step('subjects.delete', async () => {
  assert.equal(await openmeter.subjects.delete('customer-9'), undefined, 'delete answers 204 No Content')
  assert.deepEqual(
    (await openmeter.subjects.list()).map((s) => s.key),
    ['customer-1'],
  )
})

// ---------------------------------------------------------------------------------------------------------------
// Features (the product catalog's building blocks: a meter, filtered)

let gpt4Feature
let supportFeature

/** A feature as the SDK answers it, with the fields every feature must carry checked. */
function checkFeature(feature, what) {
  assert.match(feature.id, ULID, `${what}: a feature id is a ULID`)
  assert.ok(feature.createdAt instanceof Date, `${what}: createdAt must be an RFC 3339 date-time`)
  assert.ok(feature.updatedAt instanceof Date, `${what}: updatedAt must be an RFC 3339 date-time`)
  return feature
}

await step('features.create a metered feature (meter filtered by group-by value, Numeric unit cost)', async () => {
  gpt4Feature = checkFeature(
    await openmeter.features.create({
      key: 'gpt4_tokens',
      name: 'GPT-4 tokens',
      meterSlug: 'tokens_total',
      meterGroupByFilters: { model: 'gpt-4' },
      metadata: { team: 'ai' },
      unitCost: { type: 'manual', amount: '0.00003' },
    }),
    'features.create',
  )
  assert.equal(gpt4Feature.key, 'gpt4_tokens')
  assert.equal(gpt4Feature.name, 'GPT-4 tokens')
  assert.equal(gpt4Feature.meterSlug, 'tokens_total')
  assert.deepEqual(gpt4Feature.meterGroupByFilters, { model: 'gpt-4' })
  assert.deepEqual(gpt4Feature.metadata, { team: 'ai' })
  // Numeric is a JSON string: the amount comes back exactly, not rounded through a double.
  assert.deepEqual(gpt4Feature.unitCost, { type: 'manual', amount: '0.00003' })
  assert.equal(gpt4Feature.archivedAt, undefined, 'a live feature has no archivedAt')
  assert.equal(gpt4Feature.createdAt.toISOString(), gpt4Feature.updatedAt.toISOString())
})

await step('features.create a static feature (no meter)', async () => {
  supportFeature = checkFeature(await openmeter.features.create({ key: 'support', name: 'Support' }), 'features.create')
  assert.equal(supportFeature.key, 'support')
  assert.equal(supportFeature.meterSlug, undefined, 'a static feature has no meterSlug')
  assert.equal(supportFeature.meterGroupByFilters, undefined)
  assert.notEqual(supportFeature.id, gpt4Feature.id, 'features must have distinct ids')
})

await step('features.create refusals: taken key 409, unknown meter 400, group-by the meter lacks 400', async () => {
  await expectStatus(409, () => openmeter.features.create({ key: 'support', name: 'Again' }), 'a second live feature with key support')
  await expectStatus(400, () => openmeter.features.create({ key: 'nope', name: 'Nope', meterSlug: 'no_such_meter' }), 'a feature on an unknown meter')
  await expectStatus(
    400,
    () => openmeter.features.create({ key: 'nope', name: 'Nope', meterSlug: 'tokens_total', meterGroupByFilters: { region: 'eu' } }),
    'a feature filtering on a group-by the meter does not have',
  )
})

await step('features.get by id and by key', async () => {
  const byId = checkFeature(await openmeter.features.get(gpt4Feature.id), 'features.get')
  assert.equal(byId.key, 'gpt4_tokens')
  assert.deepEqual(byId.unitCost, { type: 'manual', amount: '0.00003' })
  assert.equal(byId.createdAt.toISOString(), gpt4Feature.createdAt.toISOString())

  const byKey = await openmeter.features.get('support')
  assert.equal(byKey.id, supportFeature.id)

  await expectStatus(404, () => openmeter.features.get('no_such_feature'), 'features.get of an unknown key')
})

await step('features.list (all, and filtered by meterSlug)', async () => {
  const list = await openmeter.features.list()
  assert.ok(Array.isArray(list), `features.list must answer a JSON array, got ${JSON.stringify(list)}`)
  assert.deepEqual(sorted(list.map((f) => f.key)), ['gpt4_tokens', 'support'])
  list.forEach((f) => checkFeature(f, 'features.list'))

  const metered = await openmeter.features.list({ meterSlug: ['tokens_total'] })
  assert.deepEqual(
    metered.map((f) => f.id),
    [gpt4Feature.id],
  )
})

await step('features.delete archives (kept with archivedAt, out of the default list, key free again)', async () => {
  assert.equal(await openmeter.features.delete(supportFeature.id), undefined, 'delete answers 204 No Content')
  assert.deepEqual(
    (await openmeter.features.list()).map((f) => f.key),
    ['gpt4_tokens'],
  )
  const withArchived = await openmeter.features.list({ includeArchived: true })
  const archived = withArchived.find((f) => f.id === supportFeature.id)
  assert.ok(archived, 'includeArchived lists the archived feature')
  assert.ok(archived.archivedAt instanceof Date, 'an archived feature carries archivedAt as an RFC 3339 date-time')

  const byId = await openmeter.features.get(supportFeature.id)
  assert.ok(byId.archivedAt instanceof Date, 'features.get of an archived feature still answers, with archivedAt')

  const again = checkFeature(await openmeter.features.create({ key: 'support', name: 'Support v2' }), 'features.create')
  assert.notEqual(again.id, supportFeature.id)
  await expectStatus(404, () => openmeter.features.delete('no_such_feature'), 'features.delete of an unknown feature')
})

// ---------------------------------------------------------------------------------------------------------------
// Customers (who is billed, and which subjects' usage is theirs)

let acme
let beta

/** A customer as the SDK answers it, with the fields every customer must carry checked. */
function checkCustomer(customer, what) {
  assert.match(customer.id, ULID, `${what}: a customer id is a ULID`)
  assert.ok(customer.createdAt instanceof Date, `${what}: createdAt must be an RFC 3339 date-time`)
  assert.ok(customer.updatedAt instanceof Date, `${what}: updatedAt must be an RFC 3339 date-time`)
  assert.ok(Array.isArray(customer.usageAttribution?.subjectKeys), `${what}: usageAttribution.subjectKeys must be an array`)
  return customer
}

await step('customers.create with key, subjects, email, currency, address and metadata', async () => {
  acme = checkCustomer(
    await openmeter.customers.create({
      name: 'ACME Inc.',
      description: 'Rockets',
      key: 'acme',
      usageAttribution: { subjectKeys: ['customer-1'] },
      primaryEmail: 'billing@acme.example',
      currency: 'USD',
      billingAddress: { country: 'US', city: 'San Francisco', postalCode: '94103', line1: '1 Market St' },
      metadata: { tier: 'gold' },
    }),
    'customers.create',
  )
  assert.equal(acme.name, 'ACME Inc.')
  assert.equal(acme.description, 'Rockets')
  assert.equal(acme.key, 'acme')
  assert.deepEqual(acme.usageAttribution, { subjectKeys: ['customer-1'] })
  assert.equal(acme.primaryEmail, 'billing@acme.example')
  assert.equal(acme.currency, 'USD')
  assert.deepEqual(acme.billingAddress, { country: 'US', city: 'San Francisco', postalCode: '94103', line1: '1 Market St' })
  assert.deepEqual(acme.metadata, { tier: 'gold' })
  assert.equal(acme.deletedAt, undefined, 'a live customer has no deletedAt')
  assert.equal(acme.createdAt.toISOString(), acme.updatedAt.toISOString())
})

await step('customers.create with only a name (no key, no subjects)', async () => {
  beta = checkCustomer(await openmeter.customers.create({ name: 'Beta LLC' }), 'customers.create')
  assert.equal(beta.key, undefined)
  assert.deepEqual(beta.usageAttribution, { subjectKeys: [] })
  assert.notEqual(beta.id, acme.id, 'customers must have distinct ids')
})

await step('customers.create refusals: subject of another customer 409, taken key 409, bad currency 400', async () => {
  await expectStatus(
    409,
    () => openmeter.customers.create({ name: 'Other', usageAttribution: { subjectKeys: ['customer-2', 'customer-1'] } }),
    'a customer with subject customer-1, which ACME holds',
  )
  await expectStatus(409, () => openmeter.customers.create({ name: 'Other', key: 'acme' }), 'a second live customer with key acme')
  await expectStatus(400, () => openmeter.customers.create({ name: 'Other', currency: 'usd' }), 'a customer with currency usd')
  await expectStatus(400, () => openmeter.customers.create({ name: '' }), 'a customer with an empty name')
})

await step('customers.get by id and by key', async () => {
  const byId = checkCustomer(await openmeter.customers.get(acme.id), 'customers.get')
  assert.equal(byId.key, 'acme')
  assert.deepEqual(byId.usageAttribution, { subjectKeys: ['customer-1'] })
  assert.equal(byId.createdAt.toISOString(), acme.createdAt.toISOString())

  const byKey = await openmeter.customers.get('acme')
  assert.equal(byKey.id, acme.id)

  await expectStatus(404, () => openmeter.customers.get('no-such-customer'), 'customers.get of an unknown key')
})

await step('customers.list (paginated, ordered by name, filters)', async () => {
  const page = await openmeter.customers.list()
  assert.deepEqual(
    { totalCount: page.totalCount, page: page.page, pageSize: page.pageSize },
    { totalCount: 2, page: 1, pageSize: 100 },
    'customers.list answers CustomerPaginatedResponse',
  )
  assert.deepEqual(
    page.items.map((c) => c.id),
    [acme.id, beta.id],
  )
  page.items.forEach((c) => checkCustomer(c, 'customers.list'))

  const second = await openmeter.customers.list({ page: 2, pageSize: 1 })
  assert.equal(second.totalCount, 2)
  assert.deepEqual(
    second.items.map((c) => c.id),
    [beta.id],
  )

  const descending = await openmeter.customers.list({ orderBy: 'name', order: 'DESC' })
  assert.deepEqual(
    descending.items.map((c) => c.id),
    [beta.id, acme.id],
  )

  assert.deepEqual(
    (await openmeter.customers.list({ subject: 'CUSTOMER-1' })).items.map((c) => c.id),
    [acme.id],
    'subject filter: case-insensitive partial match',
  )
  assert.deepEqual(
    (await openmeter.customers.list({ name: 'beta' })).items.map((c) => c.id),
    [beta.id],
  )
  assert.deepEqual(
    (await openmeter.customers.list({ primaryEmail: '@acme' })).items.map((c) => c.id),
    [acme.id],
  )
  assert.deepEqual((await openmeter.customers.list({ key: 'nobody' })).items, [])
})

await step('customers.update replaces the customer', async () => {
  const updated = checkCustomer(
    await openmeter.customers.update(acme.id, {
      name: 'ACME Corporation',
      key: 'acme',
      usageAttribution: { subjectKeys: ['customer-1', 'customer-2'] },
      primaryEmail: 'invoices@acme.example',
      currency: 'USD',
    }),
    'customers.update',
  )
  assert.equal(updated.id, acme.id)
  assert.equal(updated.name, 'ACME Corporation')
  assert.deepEqual(updated.usageAttribution, { subjectKeys: ['customer-1', 'customer-2'] })
  assert.equal(updated.primaryEmail, 'invoices@acme.example')
  assert.equal(updated.description, undefined, 'a replace clears what it leaves out')
  assert.equal(updated.billingAddress, undefined, 'a replace clears what it leaves out')
  assert.equal(updated.createdAt.toISOString(), acme.createdAt.toISOString())
  assert.ok(updated.updatedAt >= acme.updatedAt, 'updatedAt never goes back')

  await expectStatus(
    409,
    () => openmeter.customers.update(beta.id, { name: 'Beta LLC', usageAttribution: { subjectKeys: ['customer-2'] } }),
    'giving Beta a subject ACME holds',
  )
  await expectStatus(404, () => openmeter.customers.update('no-such-customer', { name: 'x' }), 'customers.update of an unknown key')
})

await step('customers.delete soft-deletes (answered by id with deletedAt, key and subjects free again)', async () => {
  assert.equal(await openmeter.customers.delete('acme'), undefined, 'delete answers 204 No Content')
  const deleted = checkCustomer(await openmeter.customers.get(acme.id), 'customers.get of a deleted customer')
  assert.ok(deleted.deletedAt instanceof Date, 'a deleted customer carries deletedAt as an RFC 3339 date-time')
  await expectStatus(404, () => openmeter.customers.get('acme'), 'customers.get by the key of a deleted customer')
  await expectStatus(404, () => openmeter.customers.delete(acme.id), 'deleting a deleted customer')

  assert.deepEqual(
    (await openmeter.customers.list()).items.map((c) => c.id),
    [beta.id],
  )
  assert.deepEqual(
    (await openmeter.customers.list({ includeDeleted: true })).items.map((c) => c.id),
    [acme.id, beta.id],
  )

  const reborn = checkCustomer(
    await openmeter.customers.create({ name: 'ACME Again', key: 'acme', usageAttribution: { subjectKeys: ['customer-1'] } }),
    'customers.create',
  )
  assert.notEqual(reborn.id, acme.id)
  assert.equal((await openmeter.customers.get('acme')).id, reborn.id)
})

// ---------------------------------------------------------------------------------------------------------------
// Meter deletion

await step('meters.delete', async () => {
  assert.equal(await openmeter.meters.delete('prompt_count'), undefined, 'delete answers 204 No Content')
  assert.deepEqual(
    (await openmeter.meters.list()).map((m) => m.slug),
    ['tokens_total'],
  )
  // The other meter still answers.
  const result = await openmeter.meters.query('tokens_total', { from, to })
  assert.deepEqual(rows(result), [row(FROM, TO, null, {}, 456.5)])
})

console.log(`compat: all ${steps} steps passed (@openmeter/sdk ${sdkVersion} against ${baseUrl})`)
