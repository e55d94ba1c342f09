// Drives a running Tollgate with the official OpenMeter JavaScript SDK and asserts exact OpenMeter v1 behaviour.
//
//   TOLLGATE_URL=http://127.0.0.1:PORT/ node compat.mjs
//
// Every metering event time is fixed in January 2024 and every query names its own from/to, so each number below is
// exact; billing (subscriptions, invoices) runs on the server's clock, with usage placed relative to what it answered.
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
// Product catalog: the seed's plan `token` on the built-in AI Gateway Tokens meter, its versions, and add-ons

let aiTokenFeature
let tokenV1
let tokenV2
let extraSeats
let planAddon

/** Calls an operation the SDK has no wrapper for through its own typed openapi-fetch client. */
async function raw(method, path, params, body) {
  const resp = await openmeter.client[method](path, { params, body })
  if (resp.error || resp.response.status >= 400) {
    throw HTTPError.fromResponse(resp)
  }
  return { status: resp.response.status, data: resp.data }
}

/** The seed's plan: monthly, USD, one phase, usage-based ai_token at 0.00002 per token with a boolean entitlement. */
const tokenPlan = (name) => ({
  key: 'token',
  name,
  currency: 'USD',
  billingCadence: 'P1M',
  phases: [
    {
      key: 'default',
      name: 'Default',
      duration: null,
      rateCards: [
        {
          type: 'usage_based',
          key: 'ai_token',
          name: 'AI Token',
          featureKey: 'ai_token',
          billingCadence: 'P1M',
          price: { type: 'unit', amount: '0.00002' },
          entitlementTemplate: { type: 'boolean' },
        },
      ],
    },
  ],
})

/** A plan as the SDK answers it, with what every plan must carry checked. */
function checkPlan(plan, what) {
  assert.match(plan.id, ULID, `${what}: a plan id is a ULID`)
  assert.ok(plan.createdAt instanceof Date, `${what}: createdAt must be an RFC 3339 date-time`)
  assert.ok(plan.updatedAt instanceof Date, `${what}: updatedAt must be an RFC 3339 date-time`)
  assert.equal(plan.key, 'token')
  assert.equal(plan.currency, 'USD')
  assert.equal(plan.billingCadence, 'P1M')
  assert.deepEqual(plan.proRatingConfig, { enabled: true, mode: 'prorate_prices' })
  assert.equal(plan.phases.length, 1)
  const [phase] = plan.phases
  assert.equal(phase.key, 'default')
  assert.equal(phase.name, 'Default')
  assert.equal(phase.duration, null, 'the last phase has no duration (null)')
  assert.equal(phase.rateCards.length, 1)
  const [card] = phase.rateCards
  assert.equal(card.type, 'usage_based')
  assert.equal(card.key, 'ai_token')
  assert.equal(card.featureKey, 'ai_token')
  assert.equal(card.billingCadence, 'P1M')
  // Numeric is a JSON string: the unit price comes back exactly.
  assert.deepEqual(card.price, { type: 'unit', amount: '0.00002' })
  assert.deepEqual(card.entitlementTemplate, { type: 'boolean' })
  return plan
}

await step('enable the built-in meter kong_konnect_llm_tokens (Tollgate\'s own call) and a feature on it', async () => {
  const resp = await fetch(new URL('api/v1/builtin-meters/kong_konnect_llm_tokens', baseUrl), { method: 'POST' })
  assert.ok(resp.status === 200 || resp.status === 201, `enabling the built-in meter answered ${resp.status}: ${await resp.text()}`)
  const meter = await openmeter.meters.get('kong_konnect_llm_tokens')
  assert.equal(meter.aggregation, 'SUM')
  assert.equal(meter.eventType, 'kong.llm_request')
  assert.equal(meter.valueProperty, '$.tokens')
  assert.equal(meter.groupBy.provider, '$.provider')

  aiTokenFeature = checkFeature(
    await openmeter.features.create({
      key: 'ai_token',
      name: 'AI Token',
      meterSlug: 'kong_konnect_llm_tokens',
      meterGroupByFilters: { provider: 'openai' },
    }),
    'features.create',
  )
  assert.equal(aiTokenFeature.meterSlug, 'kong_konnect_llm_tokens')
  assert.deepEqual(aiTokenFeature.meterGroupByFilters, { provider: 'openai' })
})

await step('plans.create the seed\'s plan token (draft, version 1)', async () => {
  tokenV1 = checkPlan(await openmeter.plans.create(tokenPlan('Token')), 'plans.create')
  assert.equal(tokenV1.name, 'Token')
  assert.equal(tokenV1.version, 1)
  assert.equal(tokenV1.status, 'draft')
  assert.equal(tokenV1.effectiveFrom, undefined, 'a draft has no effectiveFrom')
  assert.equal(tokenV1.effectiveTo, undefined, 'a draft has no effectiveTo')
  assert.equal(tokenV1.createdAt.toISOString(), tokenV1.updatedAt.toISOString())
})

await step('plans.create refusals: a second draft 409, a rate card on an unknown feature 400, bad cadence 400', async () => {
  await expectStatus(409, () => openmeter.plans.create(tokenPlan('Token again')), 'a second draft of plan token')
  const unknownFeature = tokenPlan('Other')
  unknownFeature.key = 'other'
  unknownFeature.phases[0].rateCards[0] = { ...unknownFeature.phases[0].rateCards[0], key: 'nope', featureKey: 'nope' }
  await expectStatus(400, () => openmeter.plans.create(unknownFeature), 'a rate card on an unknown feature')
  await expectStatus(400, () => openmeter.plans.create({ ...tokenPlan('Other'), key: 'other', billingCadence: 'monthly' }), 'billingCadence monthly')
})

await step('plans.get by id and by key', async () => {
  const byId = checkPlan(await openmeter.plans.get(tokenV1.id), 'plans.get')
  assert.equal(byId.version, 1)
  assert.equal(byId.status, 'draft')
  assert.equal(byId.createdAt.toISOString(), tokenV1.createdAt.toISOString())
  const byKey = await openmeter.plans.get('token')
  assert.equal(byKey.id, tokenV1.id)
  await expectStatus(404, () => openmeter.plans.get('no_such_plan'), 'plans.get of an unknown key')
})

await step('plans.list (PlanPaginatedResponse)', async () => {
  const page = await openmeter.plans.list()
  assert.deepEqual(
    { totalCount: page.totalCount, page: page.page, pageSize: page.pageSize },
    { totalCount: 1, page: 1, pageSize: 100 },
  )
  assert.deepEqual(
    page.items.map((p) => [p.id, p.key, p.version, p.status]),
    [[tokenV1.id, 'token', 1, 'draft']],
  )
  assert.deepEqual((await openmeter.plans.list({ status: ['active'] })).items, [])
  assert.deepEqual(
    (await openmeter.plans.list({ key: ['token'] })).items.map((p) => p.id),
    [tokenV1.id],
  )
})

await step('addons.create, publish (a flat monthly fee add-on in USD)', async () => {
  extraSeats = await openmeter.addons.create({
    key: 'priority_support',
    name: 'Priority Support',
    currency: 'USD',
    instanceType: 'single',
    rateCards: [
      {
        type: 'flat_fee',
        key: 'priority_support',
        name: 'Priority Support',
        billingCadence: 'P1M',
        price: { type: 'flat', amount: '49.99', paymentTerm: 'in_advance' },
      },
    ],
  })
  assert.match(extraSeats.id, ULID, 'an add-on id is a ULID')
  assert.equal(extraSeats.key, 'priority_support')
  assert.equal(extraSeats.version, 1)
  assert.equal(extraSeats.status, 'draft')
  assert.equal(extraSeats.instanceType, 'single')
  assert.equal(extraSeats.currency, 'USD')
  assert.deepEqual(extraSeats.rateCards[0].price, { type: 'flat', amount: '49.99', paymentTerm: 'in_advance' })
  assert.equal(extraSeats.rateCards[0].billingCadence, 'P1M')

  const got = await openmeter.addons.get(extraSeats.id)
  assert.equal(got.key, 'priority_support')
  assert.equal(got.status, 'draft')

  // Only published add-ons are offered with plans.
  await expectStatus(400, () => openmeter.plans.addons.create(tokenV1.id, { addonId: extraSeats.id, fromPlanPhase: 'default' }), 'attaching a draft add-on')

  const published = await openmeter.addons.publish(extraSeats.id)
  assert.equal(published.id, extraSeats.id)
  assert.equal(published.status, 'active')
  assert.ok(published.effectiveFrom instanceof Date, 'a published add-on has effectiveFrom')
  assert.equal(published.effectiveTo, undefined)

  const page = await openmeter.addons.list()
  assert.equal(page.totalCount, 1)
  assert.deepEqual(
    page.items.map((a) => [a.id, a.key, a.version, a.status]),
    [[extraSeats.id, 'priority_support', 1, 'active']],
  )
})

await step('plans.addons.create, get, list (the add-on offered with plan token from phase default)', async () => {
  await expectStatus(400, () => openmeter.plans.addons.create(tokenV1.id, { addonId: extraSeats.id, fromPlanPhase: 'trial' }), 'a phase the plan lacks')
  planAddon = await openmeter.plans.addons.create(tokenV1.id, { addonId: extraSeats.id, fromPlanPhase: 'default' })
  assert.equal(planAddon.addon.id, extraSeats.id)
  assert.equal(planAddon.addon.key, 'priority_support')
  assert.equal(planAddon.addon.status, 'active')
  assert.equal(planAddon.fromPlanPhase, 'default')
  assert.equal(planAddon.maxQuantity, undefined, 'a single add-on has no maxQuantity')
  assert.ok(planAddon.createdAt instanceof Date)

  await expectStatus(409, () => openmeter.plans.addons.create(tokenV1.id, { addonId: extraSeats.id, fromPlanPhase: 'default' }), 'attaching it twice')

  const list = await openmeter.plans.addons.list(tokenV1.id)
  assert.equal(list.totalCount, 1)
  assert.deepEqual(
    list.items.map((a) => [a.addon.id, a.fromPlanPhase]),
    [[extraSeats.id, 'default']],
  )
  const got = await openmeter.plans.addons.get(tokenV1.id, extraSeats.id)
  assert.equal(got.addon.key, 'priority_support')
})

await step('plans.publish makes version 1 active', async () => {
  const published = checkPlan(await openmeter.plans.publish(tokenV1.id), 'plans.publish')
  assert.equal(published.id, tokenV1.id)
  assert.equal(published.version, 1)
  assert.equal(published.status, 'active')
  assert.ok(published.effectiveFrom instanceof Date, 'a published plan has effectiveFrom')
  assert.equal(published.effectiveTo, undefined, 'an active plan has no effectiveTo')
  await expectStatus(409, () => openmeter.plans.publish(tokenV1.id), 'publishing an active version again')
  await expectStatus(409, () => openmeter.plans.addons.create(tokenV1.id, { addonId: extraSeats.id, fromPlanPhase: 'default' }), 'attaching to an active version')
  assert.deepEqual(
    (await openmeter.plans.list({ status: ['active'] })).items.map((p) => p.id),
    [tokenV1.id],
  )
})

await step('plans.create with the same key starts version 2; publishing it supersedes version 1', async () => {
  tokenV2 = checkPlan(await openmeter.plans.create(tokenPlan('Token v2')), 'plans.create')
  assert.notEqual(tokenV2.id, tokenV1.id)
  assert.equal(tokenV2.version, 2)
  assert.equal(tokenV2.status, 'draft')

  // By key: the active version, or the latest with includeLatest.
  assert.equal((await openmeter.plans.get('token')).id, tokenV1.id)
  assert.equal((await openmeter.plans.get('token', { includeLatest: true })).id, tokenV2.id)

  const published = checkPlan(await openmeter.plans.publish(tokenV2.id), 'plans.publish')
  assert.equal(published.status, 'active')
  const v1 = await openmeter.plans.get(tokenV1.id)
  assert.equal(v1.status, 'archived', 'the version a publish supersedes is archived')
  assert.ok(v1.effectiveTo instanceof Date, 'the superseded version has effectiveTo')
  assert.equal(v1.effectiveTo.toISOString(), published.effectiveFrom.toISOString(), 'version 1 ends where version 2 begins')
  assert.equal((await openmeter.plans.get('token')).id, tokenV2.id)
  assert.deepEqual(
    (await openmeter.plans.list({ status: ['active', 'archived'], orderBy: 'version' })).items.map((p) => [p.version, p.status]),
    [
      [1, 'archived'],
      [2, 'active'],
    ],
  )
})

await step('addons.archive ends the add-on', async () => {
  const archived = await openmeter.addons.archive(extraSeats.id)
  assert.equal(archived.id, extraSeats.id)
  assert.equal(archived.status, 'archived')
  assert.ok(archived.effectiveTo instanceof Date, 'an archived add-on has effectiveTo')
  await expectStatus(409, () => openmeter.addons.archive(extraSeats.id), 'archiving an archived add-on')
})

// ---------------------------------------------------------------------------------------------------------------
// Entitlements: a customer's metered, boolean and static entitlements, grants, values and access

let kongAir
let meteredEnt
let booleanEnt
let staticEnt
let grant
const ANCHOR = '2024-01-01T00:00:00.000Z'

const llm = (id, time, provider, type, tokens) => ({
  id,
  source: SOURCE,
  type: 'kong.llm_request',
  subject: 'kong-air',
  time: new Date(time),
  data: { provider, model: 'gpt-4', type, tokens, consumer: 'kong-air', service: 'example-service', route: 'chat' },
})

/** The first instant of the current UTC month and the next: the usage period a monthly entitlement anchored on the 1st is in. */
function currentMonth() {
  const now = new Date()
  return {
    from: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString(),
    to: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)).toISOString(),
  }
}

await step('customers.create Kong Air (usage of consumer kong-air) and boolean/static features', async () => {
  kongAir = checkCustomer(
    await openmeter.customers.create({ name: 'Kong Air', key: 'kong-air', usageAttribution: { subjectKeys: ['kong-air'] }, currency: 'USD' }),
    'customers.create',
  )
  checkFeature(await openmeter.features.create({ key: 'sso', name: 'SSO' }), 'features.create')
  checkFeature(await openmeter.features.create({ key: 'model_access', name: 'Model access' }), 'features.create')
})

await step('customers.entitlements.create metered (monthly from 2024-01-01, hard limit)', async () => {
  meteredEnt = await openmeter.customers.entitlements.create('kong-air', {
    type: 'metered',
    featureKey: 'ai_token',
    usagePeriod: { interval: 'MONTH', anchor: new Date(ANCHOR) },
    measureUsageFrom: new Date(ANCHOR),
    isSoftLimit: false,
  })
  assert.match(meteredEnt.id, ULID, 'an entitlement id is a ULID')
  assert.equal(meteredEnt.type, 'metered')
  assert.equal(meteredEnt.featureKey, 'ai_token')
  assert.equal(meteredEnt.featureId, aiTokenFeature.id)
  assert.equal(meteredEnt.customerId, kongAir.id)
  assert.equal(meteredEnt.customerKey, 'kong-air')
  assert.equal(meteredEnt.isSoftLimit, false)
  assert.equal(meteredEnt.usagePeriod.interval, 'MONTH')
  assert.equal(meteredEnt.usagePeriod.anchor.toISOString(), ANCHOR)
  assert.equal(meteredEnt.measureUsageFrom.toISOString(), ANCHOR)
  const month = currentMonth()
  assert.deepEqual(
    { from: meteredEnt.currentUsagePeriod.from.toISOString(), to: meteredEnt.currentUsagePeriod.to.toISOString() },
    month,
    'currentUsagePeriod is the current calendar month',
  )
  assert.equal(meteredEnt.lastReset.toISOString(), month.from, 'lastReset is the start of the current usage period')

  await expectStatus(409, () => openmeter.customers.entitlements.create('kong-air', { type: 'boolean', featureKey: 'ai_token' }), 'a second entitlement of the feature')
  await expectStatus(400, () => openmeter.customers.entitlements.create('kong-air', { type: 'metered', featureKey: 'sso', usagePeriod: { interval: 'MONTH' } }), 'metered on a feature without a meter')
  await expectStatus(404, () => openmeter.customers.entitlements.create('nobody', { type: 'boolean', featureKey: 'sso' }), 'an unknown customer')
})

await step('customers.entitlements.create boolean and static', async () => {
  booleanEnt = await openmeter.customers.entitlements.create('kong-air', { type: 'boolean', featureKey: 'sso' })
  assert.equal(booleanEnt.type, 'boolean')
  assert.equal(booleanEnt.featureKey, 'sso')
  assert.equal(booleanEnt.customerId, kongAir.id)
  assert.equal(booleanEnt.usagePeriod, undefined)

  staticEnt = await openmeter.customers.entitlements.create(kongAir.id, {
    type: 'static',
    featureKey: 'model_access',
    config: JSON.stringify({ models: ['gpt-4'] }),
  })
  assert.equal(staticEnt.type, 'static')
  assert.equal(staticEnt.featureKey, 'model_access')
  assert.equal(staticEnt.config, '{"models":["gpt-4"]}')
  assert.notEqual(staticEnt.id, booleanEnt.id)
})

await step('customers.entitlements.createGrant (1000 tokens from 2024-01-01, rolling over up to 1000)', async () => {
  grant = await openmeter.customers.entitlements.createGrant('kong-air', 'ai_token', {
    amount: 1000,
    priority: 1,
    effectiveAt: new Date(ANCHOR),
    expiration: { duration: 'YEAR', count: 10 },
    maxRolloverAmount: 1000,
    metadata: { reason: 'compat' },
  })
  assert.match(grant.id, ULID, 'a grant id is a ULID')
  assert.equal(grant.entitlementId, meteredEnt.id)
  assert.equal(grant.amount, 1000)
  assert.equal(grant.priority, 1)
  assert.equal(grant.effectiveAt.toISOString(), ANCHOR)
  assert.deepEqual(grant.expiration, { duration: 'YEAR', count: 10 })
  assert.equal(grant.expiresAt.toISOString(), '2034-01-01T00:00:00.000Z')
  assert.equal(grant.maxRolloverAmount, 1000)
  assert.equal(grant.minRolloverAmount, 0)
  assert.deepEqual(grant.metadata, { reason: 'compat' })

  await expectStatus(400, () => openmeter.customers.entitlements.createGrant('kong-air', 'sso', { amount: 1, effectiveAt: new Date(ANCHOR), expiration: { duration: 'DAY', count: 1 } }), 'a grant on a boolean entitlement')
  await expectStatus(400, () => openmeter.customers.entitlements.createGrant('kong-air', 'ai_token', { amount: -5, effectiveAt: new Date(ANCHOR), expiration: { duration: 'DAY', count: 1 } }), 'a negative grant')
})

await step('events.ingest gateway usage, then the entitlement value at fixed times (exact usage and balance)', async () => {
  // January 2024: openai 300 + 150 counts; anthropic is outside the feature's filter; December 2023 is before measureUsageFrom.
  // February 2024: openai 100.
  await openmeter.events.ingest([
    llm('llm-0', '2023-12-31T12:00:00Z', 'openai', 'request', 5000),
    llm('llm-1', '2024-01-02T10:00:00Z', 'openai', 'request', 300),
    llm('llm-2', '2024-01-02T10:00:00Z', 'openai', 'response', 150),
    llm('llm-3', '2024-01-02T11:00:00Z', 'anthropic', 'request', 999),
    llm('llm-4', '2024-02-10T08:00:00Z', 'openai', 'request', 100),
    // The first instant of the current month: in the current usage period (start-inclusive), never in the future.
    llm('llm-5', currentMonth().from, 'openai', 'response', 25),
  ])
  const deadline = Date.now() + 15_000
  for (;;) {
    const total = await openmeter.meters.query('kong_konnect_llm_tokens', { from: new Date('2023-12-01T00:00:00Z'), to: new Date(currentMonth().to) })
    if (total.data.reduce((sum, r) => sum + r.value, 0) >= 6574 || Date.now() > deadline) {
      break
    }
    await new Promise((resolve) => setTimeout(resolve, 200))
  }

  // The entitlement is active from its creation (now), so 2024 is read from its history: daily usage and balance.
  const history = await openmeter.customers.entitlements.history('kong-air', 'ai_token', 'MONTH', {
    query: { from: new Date(ANCHOR), to: new Date('2024-03-01T00:00:00Z') },
  })
  assert.deepEqual(
    history.windowedHistory.map((w) => [w.period.from.toISOString(), w.period.to.toISOString(), w.usage, w.balanceAtStart]),
    [
      [ANCHOR, '2024-02-01T00:00:00.000Z', 450, 1000],
      ['2024-02-01T00:00:00.000Z', '2024-03-01T00:00:00.000Z', 100, 550],
    ],
    'January 2024: 1000 granted, 450 used; the February reset rolls min(1000, 550) = 550 over, February uses 100',
  )

  const flag = await openmeter.customers.entitlements.value('kong-air', 'sso')
  assert.equal(flag.hasAccess, true)
  const config = await openmeter.customers.entitlements.value('kong-air', 'model_access')
  assert.equal(config.hasAccess, true)
  assert.equal(config.config, '{"models":["gpt-4"]}')

  // The v1 customer path answers the value now: every later reset rolls 450 over; this month used 25.
  const v1 = await openmeter.customers.entitlementsV1.value('kong-air', 'ai_token')
  assert.deepEqual(
    { hasAccess: v1.hasAccess, balance: v1.balance, usage: v1.usage, overage: v1.overage },
    { hasAccess: true, balance: 425, usage: 25, overage: 0 },
  )
})

await step('customers.getAccess maps every feature key to its value', async () => {
  const access = await openmeter.customers.getAccess('kong-air')
  assert.deepEqual(sorted(Object.keys(access.entitlements)), ['ai_token', 'model_access', 'sso'])
  const { ai_token: metered, sso, model_access: models } = access.entitlements
  assert.deepEqual(
    { hasAccess: metered.hasAccess, balance: metered.balance, usage: metered.usage, overage: metered.overage },
    { hasAccess: true, balance: 425, usage: 25, overage: 0 },
  )
  assert.equal(sso.hasAccess, true)
  assert.equal(models.hasAccess, true)
  assert.equal(models.config, '{"models":["gpt-4"]}')

  const nobody = await openmeter.customers.getAccess(beta.id)
  assert.deepEqual(nobody.entitlements, {})
  await expectStatus(404, () => openmeter.customers.getAccess('no-such-customer'), 'customers.getAccess of an unknown customer')
})

await step('customers.entitlements.list, get; listGrants; entitlements.grants.list', async () => {
  const list = await openmeter.customers.entitlements.list('kong-air')
  assert.equal(list.totalCount, 3)
  assert.deepEqual(sorted(list.items.map((e) => e.id)), sorted([meteredEnt.id, booleanEnt.id, staticEnt.id]))

  const byKey = await openmeter.customers.entitlements.get('kong-air', 'ai_token')
  assert.equal(byKey.id, meteredEnt.id)
  assert.equal(byKey.type, 'metered')

  const byId = await openmeter.entitlements.get(staticEnt.id)
  assert.equal(byId.featureKey, 'model_access')
  assert.equal(byId.customerId, kongAir.id)

  const grants = await openmeter.customers.entitlements.listGrants('kong-air', 'ai_token')
  assert.equal(grants.totalCount, 1)
  assert.deepEqual(
    grants.items.map((g) => [g.id, g.amount, g.effectiveAt.toISOString()]),
    [[grant.id, 1000, ANCHOR]],
  )
  const all = await openmeter.entitlements.grants.list({ query: { customer: ['kong-air'] } })
  assert.deepEqual(
    all.items.map((g) => g.id),
    [grant.id],
  )
})

await step('entitlementsV1 (subject paths): grant this month, value, list, void the grant', async () => {
  // The subject kong-air is the customer's usage; v1 calls name the subject.
  const listed = await openmeter.entitlementsV1.list({ subject: ['kong-air'] })
  assert.deepEqual(sorted(listed.map((e) => e.id)), sorted([meteredEnt.id, booleanEnt.id, staticEnt.id]))

  const month = currentMonth()
  const extra = await openmeter.entitlementsV1.grants.create('kong-air', 'ai_token', {
    amount: 500,
    priority: 5,
    effectiveAt: new Date(month.from),
    expiration: { duration: 'MONTH', count: 1 },
  })
  assert.match(extra.id, ULID, 'a grant id is a ULID')
  assert.equal(extra.entitlementId, meteredEnt.id)
  assert.equal(extra.amount, 500)
  assert.equal(extra.expiresAt.toISOString(), month.to, 'a one-month grant from the 1st expires on the next 1st')

  const value = await openmeter.entitlementsV1.value('kong-air', 'ai_token')
  assert.deepEqual(
    { hasAccess: value.hasAccess, balance: value.balance, usage: value.usage, overage: value.overage },
    { hasAccess: true, balance: 925, usage: 25, overage: 0 },
    '425 left of the rolled-over grant plus the new 500',
  )
  assert.deepEqual(
    sorted((await openmeter.entitlementsV1.grants.list('kong-air', 'ai_token')).map((g) => g.id)),
    sorted([grant.id, extra.id]),
  )

  assert.equal(await openmeter.entitlements.grants.void(extra.id), undefined, 'void answers 204 No Content')
  const after = await openmeter.customers.getAccess('kong-air')
  assert.equal(after.entitlements.ai_token.balance, 425, 'a voided grant no longer counts')
  const all = await openmeter.entitlementsV1.grants.listAll({ subject: ['kong-air'], includeDeleted: true })
  const voided = all.find((g) => g.id === extra.id)
  assert.ok(voided?.voidedAt instanceof Date, 'a voided grant carries voidedAt')
  await expectStatus(404, () => openmeter.entitlements.grants.void('01HZZZZZZZZZZZZZZZZZZZZZZZ'), 'voiding an unknown grant')
})

await step('customers.entitlements.resetUsage starts a new usage period now, rolling the balance over', async () => {
  const at = new Date(Math.floor(Date.now() / 1000) * 1000 - 1000)
  assert.equal(await openmeter.customers.entitlements.resetUsage('kong-air', 'ai_token', { effectiveAt: at, retainAnchor: false }), undefined, 'reset answers 204 No Content')
  const reset = await openmeter.customers.entitlements.get('kong-air', meteredEnt.id)
  assert.equal(reset.lastReset.toISOString(), at.toISOString())
  assert.equal(reset.currentUsagePeriod.from.toISOString(), at.toISOString(), 'without retainAnchor the period restarts at the reset')
  assert.equal(reset.usagePeriod.anchor.toISOString(), at.toISOString(), 'without retainAnchor the anchor moves to the reset')
  const value = await openmeter.customers.entitlements.value('kong-air', 'ai_token')
  assert.deepEqual(
    { hasAccess: value.hasAccess, balance: value.balance, usage: value.usage, overage: value.overage },
    { hasAccess: true, balance: 425, usage: 0, overage: 0 },
    'the 425 left roll over (up to 1000); nothing used since',
  )
  await expectStatus(400, () => openmeter.customers.entitlements.resetUsage('kong-air', 'ai_token', { effectiveAt: new Date(ANCHOR) }), 'a reset before the last one')
})

await step('customers.entitlements.override replaces the static entitlement; entitlements.list (v2) filters', async () => {
  const replaced = await openmeter.customers.entitlements.override('kong-air', 'model_access', {
    type: 'static',
    featureKey: 'model_access',
    config: JSON.stringify({ models: ['gpt-4', 'gpt-4o'] }),
  })
  assert.notEqual(replaced.id, staticEnt.id, 'an override is a new entitlement')
  assert.equal(replaced.featureKey, 'model_access')
  assert.equal(replaced.config, '{"models":["gpt-4","gpt-4o"]}')
  assert.equal((await openmeter.customers.entitlements.get('kong-air', 'model_access')).id, replaced.id)
  assert.equal((await openmeter.customers.getAccess('kong-air')).entitlements.model_access.config, '{"models":["gpt-4","gpt-4o"]}')
  staticEnt = replaced

  const statics = await openmeter.entitlements.list({ query: { customerKeys: ['kong-air'], entitlementType: ['static'] } })
  assert.deepEqual(
    statics.items.map((e) => e.id),
    [replaced.id],
  )
  const metered = await openmeter.entitlements.list({ query: { feature: ['ai_token'] } })
  assert.deepEqual(
    metered.items.map((e) => [e.id, e.customerKey]),
    [[meteredEnt.id, 'kong-air']],
  )
})

// ---------------------------------------------------------------------------------------------------------------
// Subscriptions: a customer subscribed to plan token by its key, changed to another plan, canceled

let cargo
let tokenPro
let subscription
let changed

/** The month arithmetic of billing periods: anchor + n months, the day clamped to the month's last (Jan 31 → Feb 28). */
function addMonths(anchor, months) {
  const d = new Date(anchor)
  const target = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 1, d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds()))
  const last = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate()
  target.setUTCDate(Math.min(d.getUTCDate(), last))
  return target
}

/** The end of the monthly billing period (from the anchor) that contains the instant. */
function billingPeriodEnd(anchor, at) {
  for (let n = 1; ; n++) {
    const end = addMonths(anchor, n)
    if (end > at) {
      return end
    }
  }
}

await step('plans.create and publish token_pro; customers.create Kong Air Cargo', async () => {
  const pro = tokenPlan('Token Pro')
  pro.key = 'token_pro'
  pro.phases[0].rateCards[0].price = { type: 'unit', amount: '0.000015' }
  tokenPro = await openmeter.plans.create(pro)
  assert.equal(tokenPro.key, 'token_pro')
  assert.equal(tokenPro.version, 1)
  tokenPro = await openmeter.plans.publish(tokenPro.id)
  assert.equal(tokenPro.status, 'active')

  cargo = checkCustomer(
    await openmeter.customers.create({ name: 'Kong Air Cargo', key: 'kong-air-cargo', usageAttribution: { subjectKeys: ['kong-air-cargo'] }, currency: 'USD' }),
    'customers.create',
  )
})

await step('subscriptions.create from the plan key token (its active version 2)', async () => {
  const before = Date.now()
  subscription = await openmeter.subscriptions.create({ customerKey: 'kong-air-cargo', plan: { key: 'token' }, timing: 'immediate' })
  assert.match(subscription.id, ULID, 'a subscription id is a ULID')
  assert.equal(subscription.customerId, cargo.id)
  assert.deepEqual(subscription.plan, { id: tokenV2.id, key: 'token', version: 2 })
  assert.equal(subscription.name, 'Token v2', 'the name defaults to the plan\'s')
  assert.equal(subscription.status, 'active')
  assert.equal(subscription.currency, 'USD')
  assert.equal(subscription.billingCadence, 'P1M')
  assert.ok(subscription.activeFrom instanceof Date, 'activeFrom must be an RFC 3339 date-time')
  assert.ok(subscription.activeFrom.getTime() >= before - 1000 && subscription.activeFrom.getTime() <= Date.now(), 'an immediate subscription starts now')
  assert.equal(subscription.activeTo, undefined, 'a running subscription has no activeTo')
  assert.equal(subscription.billingAnchor.toISOString(), subscription.activeFrom.toISOString(), 'the billing anchor defaults to the start')

  await expectStatus(409, () => openmeter.subscriptions.create({ customerKey: 'kong-air-cargo', plan: { key: 'token_pro' }, timing: 'immediate' }), 'a second subscription at the same time')
  // The spec lists no 404 for createSubscription: an unknown customer is a 400 naming the field.
  await expectStatus(400, () => openmeter.subscriptions.create({ customerKey: 'no-such-customer', plan: { key: 'token' } }), 'an unknown customer')
})

await step('subscriptions.get (expanded: phases, items, prices) and the access it gives', async () => {
  const got = await openmeter.subscriptions.get(subscription.id)
  assert.equal(got.id, subscription.id)
  assert.equal(got.status, 'active')
  assert.deepEqual(got.plan, { id: tokenV2.id, key: 'token', version: 2 })
  assert.equal(got.phases.length, 1)
  const [phase] = got.phases
  assert.equal(phase.key, 'default')
  assert.equal(phase.activeFrom.toISOString(), subscription.activeFrom.toISOString())
  assert.deepEqual(
    phase.items.map((i) => [i.key, i.featureKey, i.billingCadence, i.price]),
    [['ai_token', 'ai_token', 'P1M', { type: 'unit', amount: '0.00002' }]],
  )
  await expectStatus(404, () => openmeter.subscriptions.get('01HZZZZZZZZZZZZZZZZZZZZZZZ'), 'subscriptions.get of an unknown id')

  // The plan's boolean entitlement template becomes the customer's entitlement.
  const access = await openmeter.customers.getAccess('kong-air-cargo')
  assert.deepEqual(Object.keys(access.entitlements), ['ai_token'])
  assert.equal(access.entitlements.ai_token.hasAccess, true)
})

await step('customers.listSubscriptions', async () => {
  const page = await openmeter.customers.listSubscriptions('kong-air-cargo')
  assert.equal(page.totalCount, 1)
  assert.deepEqual(
    page.items.map((s) => [s.id, s.status, s.plan.key]),
    [[subscription.id, 'active', 'token']],
  )
  assert.deepEqual((await openmeter.customers.listSubscriptions('kong-air')).items, [])
})

await step('subscriptions.change to plan token_pro immediately', async () => {
  const result = await openmeter.subscriptions.change(subscription.id, { timing: 'immediate', plan: { key: 'token_pro' } })
  const { current, next } = result
  changed = next
  assert.equal(current.id, subscription.id)
  assert.ok(current.activeTo instanceof Date, 'the changed subscription ends')
  assert.equal(current.status, 'inactive')
  assert.notEqual(next.id, subscription.id)
  assert.equal(next.customerId, cargo.id)
  assert.deepEqual(next.plan, { id: tokenPro.id, key: 'token_pro', version: 1 })
  assert.equal(next.status, 'active')
  assert.equal(next.activeFrom.toISOString(), current.activeTo.toISOString(), 'the next subscription starts where the current one ends')
  assert.deepEqual(next.phases[0].items[0].price, { type: 'unit', amount: '0.000015' })

  const page = await openmeter.customers.listSubscriptions('kong-air-cargo', { status: ['active'] })
  assert.deepEqual(
    page.items.map((s) => s.id),
    [next.id],
  )
  assert.equal((await openmeter.subscriptions.get(subscription.id)).status, 'inactive')
})

await step('subscriptions.cancel at the next billing cycle, unscheduleCancelation, then cancel immediately', async () => {
  const scheduled = await openmeter.subscriptions.cancel(changed.id, { timing: 'next_billing_cycle' })
  assert.equal(scheduled.id, changed.id)
  assert.equal(scheduled.status, 'canceled')
  assert.equal(
    scheduled.activeTo.toISOString(),
    billingPeriodEnd(scheduled.billingAnchor, new Date()).toISOString(),
    'a next-cycle cancel ends the subscription at the end of the current billing period',
  )

  const resumed = await openmeter.subscriptions.unscheduleCancelation(changed.id)
  assert.equal(resumed.status, 'active')
  assert.equal(resumed.activeTo, undefined)

  const canceled = await openmeter.subscriptions.cancel(changed.id, { timing: 'immediate' })
  assert.equal(canceled.status, 'inactive')
  assert.ok(canceled.activeTo instanceof Date)
  assert.ok(canceled.activeTo.getTime() <= Date.now(), 'an immediate cancel ends it now')
  assert.deepEqual((await openmeter.customers.listSubscriptions('kong-air-cargo', { status: ['active'] })).items, [])
  assert.deepEqual((await openmeter.customers.getAccess('kong-air-cargo')).entitlements, {}, 'no subscription, no entitlement')
})

// ---------------------------------------------------------------------------------------------------------------
// Plan archive (last: subscriptions above need the plan active)

await step('plans.archive ends the active version; new subscriptions can no longer get it', async () => {
  const archived = checkPlan(await openmeter.plans.archive(tokenV2.id), 'plans.archive')
  assert.equal(archived.id, tokenV2.id)
  assert.equal(archived.version, 2)
  assert.equal(archived.status, 'archived')
  assert.ok(archived.effectiveTo instanceof Date, 'an archived plan has effectiveTo')
  assert.ok(archived.effectiveTo >= archived.effectiveFrom, 'effectiveTo is not before effectiveFrom')
  await expectStatus(409, () => openmeter.plans.archive(tokenV2.id), 'archiving an archived version')
  assert.deepEqual((await openmeter.plans.list({ key: ['token'], status: ['active'] })).items, [])
  assert.deepEqual(
    (await openmeter.plans.list({ key: ['token'], status: ['archived'], orderBy: 'version' })).items.map((p) => p.id),
    [tokenV1.id, tokenV2.id],
  )
})

// ---------------------------------------------------------------------------------------------------------------
// Meter deletion

await step('meters.delete', async () => {
  assert.equal(await openmeter.meters.delete('prompt_count'), undefined, 'delete answers 204 No Content')
  assert.deepEqual(
    (await openmeter.meters.list()).map((m) => m.slug),
    ['kong_konnect_llm_tokens', 'tokens_total'],
  )
  // The other meter still answers.
  const result = await openmeter.meters.query('tokens_total', { from, to })
  assert.deepEqual(rows(result), [row(FROM, TO, null, {}, 456.5)])
})

// ---------------------------------------------------------------------------------------------------------------
// Billing: apps, billing profiles, a customer override, and invoices (gathering, simulate, pending lines, invoice now,
// approve, advance, void). Invoices bill the server's "now", so the usage below is ingested just after the subscription
// starts (in its first billing period) and every quantity and amount is still exact.

let sandboxApp
let defaultProfile
let manualProfile
let globex
let apiSubscription
let setupLine
let firstInvoice
let secondInvoice

const SUPPLIER = {
  name: 'Tollgate Compat Ltd.',
  taxId: { code: 'GB123456789' },
  addresses: [{ country: 'GB', postalCode: 'EC1A 1BB', city: 'London', line1: '1 Billing Street' }],
}
const NO_SUCH_ID = '01HZZZZZZZZZZZZZZZZZZZZZZZ'

const apiCall = (id, time, calls) => ({ id, source: SOURCE, type: 'api_call', subject: 'globex', time, data: { calls } })

/** Waits (bounded) until meter api_calls has seen `total` calls of globex since `since`: ingestion is asynchronous. */
async function awaitCalls(since, total) {
  const deadline = Date.now() + 15_000
  for (;;) {
    const result = await openmeter.meters.query('api_calls', { from: since, to: new Date(Date.now() + 60_000), subject: ['globex'] })
    const seen = result.data.reduce((sum, r) => sum + r.value, 0)
    if (seen >= total || Date.now() > deadline) {
      assert.equal(seen, total, 'meter api_calls must count the ingested calls')
      return
    }
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

/** When usage happens: an instant strictly after `after` (so it falls in the period that starts or follows it), waited for so it is not in the future. */
async function usageInstant(after) {
  await new Promise((resolve) => setTimeout(resolve, 5))
  const at = new Date(Math.max(Date.now(), after.getTime() + 1))
  // Past it by a millisecond at least, so the server's "now" (end-exclusive) includes it.
  while (Date.now() <= at.getTime()) {
    await new Promise((resolve) => setTimeout(resolve, 1))
  }
  return at
}

/** The parts of an invoice line every check below compares. */
function lineSummary(line) {
  return {
    name: line.name,
    managedBy: line.managedBy,
    type: line.type,
    quantity: line.quantity,
    price: line.rateCard?.price,
    amount: line.totals.amount,
    total: line.totals.total,
  }
}

function byName(lines) {
  return [...lines].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
}

await step('apps.list, apps.get and apps.marketplace: the sandbox app installed on first start', async () => {
  const apps = await openmeter.apps.list()
  assert.equal(apps.totalCount, 1, 'a new Tollgate has one app installed: the sandbox')
  ;[sandboxApp] = apps.items
  assert.match(sandboxApp.id, ULID, 'an app id is a ULID')
  assert.equal(sandboxApp.type, 'sandbox')
  assert.equal(sandboxApp.name, 'Sandbox')
  assert.equal(sandboxApp.status, 'ready')
  assert.equal(sandboxApp.listing.type, 'sandbox')
  assert.deepEqual(sorted(sandboxApp.listing.capabilities.map((c) => c.type)), ['calculateTax', 'collectPayments', 'invoiceCustomers'])

  const got = await openmeter.apps.get(sandboxApp.id)
  assert.equal(got.id, sandboxApp.id)
  assert.equal(got.type, 'sandbox')
  assert.equal(got.createdAt.toISOString(), sandboxApp.createdAt.toISOString())
  await expectStatus(404, () => openmeter.apps.get(NO_SUCH_ID), 'apps.get of an unknown id')

  const listings = await openmeter.apps.marketplace.list()
  assert.deepEqual(sorted(listings.items.map((l) => l.type)), ['custom_invoicing', 'sandbox', 'stripe'])
  const listing = await openmeter.apps.marketplace.get('sandbox')
  assert.equal(listing.type, 'sandbox')
  assert.equal(listing.name, 'Sandbox')
  assert.deepEqual(listing.installMethods, ['no_credentials_required'])
})

await step('billing.profiles.list: the default profile on the sandbox app (expand apps, and references without)', async () => {
  const expanded = await openmeter.billing.profiles.list({ expand: ['apps'] })
  assert.equal(expanded.totalCount, 1)
  ;[defaultProfile] = expanded.items
  assert.match(defaultProfile.id, ULID, 'a billing profile id is a ULID')
  assert.equal(defaultProfile.default, true)
  assert.equal(defaultProfile.name, 'Default Billing Profile')
  assert.deepEqual(defaultProfile.workflow.invoicing, {
    autoAdvance: true,
    draftPeriod: 'P0D',
    dueAfter: 'P30D',
    progressiveBilling: true,
    subscriptionEndProrationMode: 'bill_actual_period',
  })
  assert.deepEqual(defaultProfile.workflow.collection, { alignment: { type: 'subscription' }, interval: 'PT1H' })
  assert.deepEqual(defaultProfile.workflow.payment, { collectionMethod: 'charge_automatically' })
  for (const role of ['tax', 'invoicing', 'payment']) {
    assert.equal(defaultProfile.apps[role].id, sandboxApp.id, `apps.${role} is the sandbox app`)
    assert.equal(defaultProfile.apps[role].type, 'sandbox', `apps.${role} is expanded`)
    assert.equal(defaultProfile.apps[role].listing.type, 'sandbox', `apps.${role} carries its listing`)
  }

  const plain = await openmeter.billing.profiles.list()
  assert.deepEqual(plain.items.map((p) => p.id), [defaultProfile.id])
  assert.deepEqual(plain.items[0].apps, { tax: { id: sandboxApp.id }, invoicing: { id: sandboxApp.id }, payment: { id: sandboxApp.id } })
  await expectStatus(400, () => openmeter.billing.profiles.list({ expand: ['workflow'] }), 'an unknown expand')
})

await step('billing.profiles.create a non-default profile (manual approval, supplier details); 400s name the field', async () => {
  manualProfile = await openmeter.billing.profiles.create({
    name: 'Manual approval',
    description: 'Invoices wait for a person to approve them',
    supplier: SUPPLIER,
    default: false,
    workflow: { invoicing: { autoAdvance: false, dueAfter: 'P14D' } },
    apps: { tax: sandboxApp.id, invoicing: sandboxApp.id, payment: sandboxApp.id },
  })
  assert.match(manualProfile.id, ULID, 'a billing profile id is a ULID')
  assert.notEqual(manualProfile.id, defaultProfile.id)
  assert.equal(manualProfile.name, 'Manual approval')
  assert.equal(manualProfile.description, 'Invoices wait for a person to approve them')
  assert.equal(manualProfile.default, false)
  assert.deepEqual(manualProfile.supplier, SUPPLIER)
  assert.deepEqual(manualProfile.workflow.invoicing, {
    autoAdvance: false,
    draftPeriod: 'P0D',
    dueAfter: 'P14D',
    progressiveBilling: true,
    subscriptionEndProrationMode: 'bill_actual_period',
  }, 'parts left out take their defaults')
  assert.deepEqual(manualProfile.apps, { tax: { id: sandboxApp.id }, invoicing: { id: sandboxApp.id }, payment: { id: sandboxApp.id } })
  assert.ok(manualProfile.createdAt instanceof Date, 'createdAt must be an RFC 3339 date-time')
  assert.equal(manualProfile.updatedAt.toISOString(), manualProfile.createdAt.toISOString())

  const apps = { tax: sandboxApp.id, invoicing: sandboxApp.id, payment: sandboxApp.id }
  await expectStatus(400, () => openmeter.billing.profiles.create({ name: 'No apps', supplier: SUPPLIER, default: false }), 'a profile without apps')
  await expectStatus(400, () => openmeter.billing.profiles.create({ name: 'Bad app', supplier: SUPPLIER, default: false, apps: { ...apps, invoicing: NO_SUCH_ID } }), 'a profile on an unknown app')
  await expectStatus(400, () => openmeter.billing.profiles.create({ name: '', supplier: SUPPLIER, default: false, apps }), 'a profile without a name')
  await expectStatus(400, () => openmeter.billing.profiles.create({ name: 'Bad period', supplier: SUPPLIER, default: false, apps, workflow: { invoicing: { draftPeriod: 'one day' } } }), 'a draft period that is no ISO 8601 duration')

  const page = await openmeter.billing.profiles.list({ orderBy: 'createdAt' })
  assert.deepEqual(page.items.map((p) => [p.id, p.default]), [[defaultProfile.id, true], [manualProfile.id, false]], 'the default stays the default')
})

await step('billing.profiles.get and update (name, supplier, workflow kept whole)', async () => {
  const got = await openmeter.billing.profiles.get(manualProfile.id)
  assert.equal(got.id, manualProfile.id)
  assert.equal(got.name, 'Manual approval')
  assert.deepEqual(got.supplier, SUPPLIER)
  assert.equal(got.workflow.invoicing.autoAdvance, false)
  const gotExpanded = await openmeter.billing.profiles.get(manualProfile.id, { params: { path: { id: manualProfile.id }, query: { expand: ['apps'] } } })
  assert.equal(gotExpanded.apps.invoicing.type, 'sandbox', 'expand=apps on get answers the apps in full')
  await expectStatus(404, () => openmeter.billing.profiles.get(NO_SUCH_ID), 'billing.profiles.get of an unknown id')

  const supplier = { ...SUPPLIER, name: 'Tollgate Compat GmbH', addresses: [{ country: 'DE', postalCode: '10115', city: 'Berlin', line1: 'Rechnungsweg 1' }] }
  const updated = await openmeter.billing.profiles.update(manualProfile.id, {
    name: 'Manual approval (EU)',
    description: got.description,
    supplier,
    default: false,
    workflow: got.workflow,
  })
  assert.equal(updated.id, manualProfile.id)
  assert.equal(updated.name, 'Manual approval (EU)')
  assert.deepEqual(updated.supplier, supplier)
  assert.deepEqual(updated.workflow, got.workflow, 'the workflow sent back whole is kept as it was')
  assert.deepEqual(updated.apps, manualProfile.apps, 'the apps are kept')
  assert.equal(updated.createdAt.toISOString(), manualProfile.createdAt.toISOString())
  assert.ok(updated.updatedAt >= manualProfile.updatedAt, 'updatedAt moves on')
  assert.equal((await openmeter.billing.profiles.get(manualProfile.id)).name, 'Manual approval (EU)')
  manualProfile = updated

  await expectStatus(404, () => openmeter.billing.profiles.update(NO_SUCH_ID, { name: 'x', supplier, default: false, workflow: got.workflow }), 'updating an unknown profile')
})

await step('meter, feature, usage plan and customer Globex for invoicing', async () => {
  const meter = await openmeter.meters.create({ slug: 'api_calls', name: 'API calls', aggregation: 'SUM', eventType: 'api_call', valueProperty: '$.calls' })
  assert.equal(meter.slug, 'api_calls')
  const feature = await openmeter.features.create({ key: 'api_calls', name: 'API calls', meterSlug: 'api_calls' })
  assert.equal(feature.meterSlug, 'api_calls')
  let plan = await openmeter.plans.create({
    key: 'api',
    name: 'API',
    currency: 'USD',
    billingCadence: 'P1M',
    phases: [
      {
        key: 'default',
        name: 'Default',
        duration: null,
        rateCards: [
          {
            type: 'usage_based',
            key: 'api_calls',
            name: 'API calls',
            featureKey: 'api_calls',
            billingCadence: 'P1M',
            price: { type: 'unit', amount: '0.01' },
          },
        ],
      },
    ],
  })
  plan = await openmeter.plans.publish(plan.id)
  assert.equal(plan.status, 'active')
  globex = checkCustomer(
    await openmeter.customers.create({ name: 'Globex', key: 'globex', usageAttribution: { subjectKeys: ['globex'] }, currency: 'USD' }),
    'customers.create',
  )
})

await step('billing.customers override: upsert pins Globex to the manual profile; get and list answer it merged', async () => {
  const before = await openmeter.billing.customers.getOverride(globex.id)
  assert.equal(before.customerOverride, undefined, 'no override yet')
  assert.equal(before.baseBillingProfileId, defaultProfile.id, 'without an override the default profile applies')
  assert.equal(before.customerProfile.workflow.invoicing.autoAdvance, true)

  const upserted = await openmeter.billing.customers.createOverride(globex.id, { billingProfileId: manualProfile.id })
  assert.equal(upserted.baseBillingProfileId, manualProfile.id)
  assert.equal(upserted.customerOverride.customerId, globex.id)
  assert.equal(upserted.customerOverride.billingProfileId, manualProfile.id)
  assert.ok(upserted.customerOverride.createdAt instanceof Date, 'createdAt must be an RFC 3339 date-time')
  assert.deepEqual(upserted.customerProfile.supplier, manualProfile.supplier, 'the merged profile is the pinned one')
  assert.deepEqual(upserted.customerProfile.workflow, manualProfile.workflow)
  assert.deepEqual(upserted.customerProfile.apps, manualProfile.apps)

  const got = await openmeter.billing.customers.getOverride(globex.id)
  assert.equal(got.baseBillingProfileId, manualProfile.id)
  assert.equal(got.customerOverride.billingProfileId, manualProfile.id)
  assert.equal(got.customerOverride.createdAt.toISOString(), upserted.customerOverride.createdAt.toISOString())
  assert.equal(got.customerProfile.workflow.invoicing.autoAdvance, false)

  const pinned = await openmeter.billing.customers.listOverrides({ billingProfile: [manualProfile.id] })
  assert.equal(pinned.totalCount, 1)
  assert.deepEqual(pinned.items.map((o) => [o.customerOverride.customerId, o.baseBillingProfileId]), [[globex.id, manualProfile.id]])
  const overridden = await openmeter.billing.customers.listOverrides({ includeAllCustomers: false, expand: ['apps', 'customer'] })
  assert.deepEqual(overridden.items.map((o) => o.customerOverride.customerId), [globex.id], 'only Globex has an override')
  assert.equal(overridden.items[0].customer.key, 'globex', 'expand=customer answers the customer')
  assert.equal(overridden.items[0].customerProfile.apps.invoicing.type, 'sandbox', 'expand=apps answers the apps in full')

  await expectStatus(400, () => openmeter.billing.customers.createOverride(globex.id, { billingProfileId: NO_SUCH_ID }), 'an override to an unknown profile')
  await expectStatus(404, () => openmeter.billing.customers.createOverride(NO_SUCH_ID, { billingProfileId: manualProfile.id }), 'an override for an unknown customer')
})

await step('subscriptions.create plan api for Globex; events.ingest 1500 calls', async () => {
  apiSubscription = await openmeter.subscriptions.create({ customerId: globex.id, plan: { key: 'api' }, timing: 'immediate' })
  assert.equal(apiSubscription.status, 'active')
  assert.equal(apiSubscription.currency, 'USD')
  const at = await usageInstant(apiSubscription.activeFrom)
  await openmeter.events.ingest([apiCall('api-1', at, 1000), apiCall('api-2', at, 400), apiCall('api-3', at, 100)])
  await awaitCalls(apiSubscription.activeFrom, 1500)
})

await step('billing.invoices.list: the gathering invoice previews the usage so far (lines, quantity and totals exact)', async () => {
  const page = await openmeter.billing.invoices.list({ customers: [globex.id], expand: ['lines'] })
  assert.equal(page.totalCount, 1)
  const [gathering] = page.items
  assert.match(gathering.id, ULID, 'an invoice id is a ULID')
  assert.equal(gathering.status, 'gathering')
  assert.equal(gathering.statusDetails.extendedStatus, 'gathering')
  assert.equal(gathering.statusDetails.immutable, false)
  assert.equal(gathering.currency, 'USD')
  assert.equal(gathering.customer.id, globex.id)
  assert.equal(gathering.customer.key, 'globex')
  assert.equal(gathering.workflow.sourceBillingProfileId, manualProfile.id, 'the override decides the profile')
  assert.deepEqual(gathering.supplier, manualProfile.supplier)
  assert.equal(gathering.lines.length, 1)
  const [line] = gathering.lines
  assert.deepEqual(lineSummary(line), {
    name: 'API calls',
    managedBy: 'subscription',
    type: 'usage_based',
    quantity: '1500',
    price: { type: 'unit', amount: '0.01' },
    amount: '15',
    total: '15',
  })
  assert.equal(line.period.from.toISOString(), apiSubscription.activeFrom.toISOString(), 'the line starts with the subscription')
  assert.equal(line.subscription.subscription.id, apiSubscription.id)
  assert.equal(gathering.totals.total, '15')
  assert.equal(gathering.totals.amount, '15')
  assert.equal(gathering.totals.taxesTotal, '0')

  const headers = await openmeter.billing.invoices.list({ customers: [globex.id] })
  assert.equal(headers.items[0].lines, undefined, 'without expand=lines a listing has no lines')
  assert.equal(headers.items[0].totals.total, '15', 'but it still has the totals')
  assert.deepEqual((await openmeter.billing.invoices.list({ customers: [globex.id], statuses: ['paid'] })).items, [])
})

await step('billing.invoices.simulate: 1000 calls at 0.01 is 10', async () => {
  const now = new Date()
  const simulated = await openmeter.billing.invoices.simulate(globex.id, {
    currency: 'USD',
    lines: [
      {
        name: 'API calls',
        period: { from: apiSubscription.activeFrom, to: now },
        invoiceAt: now,
        rateCard: { featureKey: 'api_calls', price: { type: 'unit', amount: '0.01' } },
        quantity: '1000',
      },
    ],
  })
  assert.equal(simulated.status, 'draft')
  assert.equal(simulated.currency, 'USD')
  assert.equal(simulated.customer.id, globex.id)
  assert.equal(simulated.workflow.sourceBillingProfileId, manualProfile.id)
  assert.equal(simulated.lines.length, 1)
  assert.deepEqual(lineSummary(simulated.lines[0]), {
    name: 'API calls',
    managedBy: 'manual',
    type: 'usage_based',
    quantity: '1000',
    price: { type: 'unit', amount: '0.01' },
    amount: '10',
    total: '10',
  })
  assert.equal(simulated.totals.total, '10')
  assert.equal((await openmeter.billing.invoices.list({ customers: [globex.id] })).totalCount, 1, 'a simulation stores nothing')
  await expectStatus(400, () => openmeter.billing.invoices.simulate(globex.id, { currency: 'USD', lines: [{ name: 'No quantity', period: { from: apiSubscription.activeFrom, to: now }, invoiceAt: now, rateCard: { featureKey: 'api_calls', price: { type: 'unit', amount: '0.01' } } }] }), 'a usage line without a quantity')
})

await step('billing.invoices.createLineItems: a one-off flat setup fee joins the gathering invoice', async () => {
  const now = new Date()
  const created = await openmeter.billing.invoices.createLineItems(globex.id, {
    currency: 'USD',
    lines: [
      {
        name: 'Setup fee',
        period: { from: now, to: now },
        invoiceAt: now,
        rateCard: { price: { type: 'flat', amount: '49.99', paymentTerm: 'in_advance' } },
      },
    ],
  })
  assert.equal(created.isInvoiceNew, true, 'the gathering invoice was only a preview until now')
  assert.equal(created.invoice.status, 'gathering')
  assert.equal(created.lines.length, 1)
  ;[setupLine] = created.lines
  assert.match(setupLine.id, ULID, 'a line id is a ULID')
  assert.deepEqual(lineSummary(setupLine), {
    name: 'Setup fee',
    managedBy: 'manual',
    type: 'usage_based',
    quantity: '1',
    price: { type: 'flat', amount: '49.99', paymentTerm: 'in_advance' },
    amount: '49.99',
    total: '49.99',
  })
  assert.equal(setupLine.invoice.id, created.invoice.id)

  const [gathering] = (await openmeter.billing.invoices.list({ customers: [globex.id], expand: ['lines'] })).items
  assert.equal(gathering.id, created.invoice.id)
  assert.deepEqual(byName(gathering.lines).map((l) => [l.name, l.quantity, l.totals.total]), [['API calls', '1500', '15'], ['Setup fee', '1', '49.99']])
  assert.equal(gathering.totals.total, '64.99')
  await expectStatus(400, () => openmeter.billing.invoices.createLineItems(globex.id, { currency: 'USD', lines: [] }), 'no lines')
})

await step('billing.invoices.invoicePendingLines: a draft that needs manual approval', async () => {
  const invoices = await openmeter.billing.invoices.invoicePendingLines({ customerId: globex.id })
  assert.equal(invoices.length, 1)
  ;[firstInvoice] = invoices
  assert.match(firstInvoice.id, ULID, 'an invoice id is a ULID')
  assert.equal(firstInvoice.status, 'draft')
  assert.equal(firstInvoice.statusDetails.extendedStatus, 'draft.manual_approval_needed')
  assert.equal(firstInvoice.statusDetails.immutable, false)
  assert.deepEqual(firstInvoice.statusDetails.availableActions.approve, { resultingState: 'issued' })
  assert.equal(firstInvoice.statusDetails.availableActions.advance, undefined, 'a draft needing approval cannot be advanced')
  assert.equal(firstInvoice.workflow.sourceBillingProfileId, manualProfile.id)
  assert.equal(firstInvoice.workflow.workflow.invoicing.autoAdvance, false)
  assert.deepEqual(firstInvoice.supplier, manualProfile.supplier)
  assert.equal(firstInvoice.issuedAt, undefined, 'a draft is not issued')
  assert.deepEqual(byName(firstInvoice.lines).map((l) => [l.name, l.quantity, l.totals.total]), [['API calls', '1500', '15'], ['Setup fee', '1', '49.99']])
  assert.equal(firstInvoice.totals.total, '64.99')

  const gathering = (await openmeter.billing.invoices.list({ customers: [globex.id], statuses: ['gathering'], expand: ['lines'] })).items
  assert.deepEqual(gathering.flatMap((i) => i.lines ?? []).filter((l) => l.name === 'Setup fee'), [], 'the setup fee left the gathering invoice')
})

await step('billing.invoices.approve issues the draft: paid through the sandbox, numbered INV-000001', async () => {
  const approved = await openmeter.billing.invoices.approve(firstInvoice.id)
  assert.equal(approved.id, firstInvoice.id)
  assert.equal(approved.status, 'paid', 'the sandbox app is paid at once')
  assert.equal(approved.statusDetails.extendedStatus, 'paid')
  assert.equal(approved.statusDetails.immutable, true)
  assert.deepEqual(approved.statusDetails.availableActions.void, { resultingState: 'voided' })
  assert.equal(approved.number, 'INV-000001', 'the first number of the manual profile')
  assert.ok(approved.issuedAt instanceof Date, 'an issued invoice has issuedAt')
  assert.equal(approved.dueAt.getTime() - approved.issuedAt.getTime(), 14 * 24 * 3600 * 1000, 'due 14 days (dueAfter P14D) after issue')
  assert.equal(approved.totals.total, '64.99')
  assert.deepEqual(approved.lines.map((l) => l.invoice.number), ['INV-000001', 'INV-000001'])
  firstInvoice = approved

  // An action the invoice's status does not allow is the SDK's HTTPError: a 400 problem naming the field.
  const again = await openmeter.billing.invoices.approve(firstInvoice.id).then(() => undefined, (error) => error)
  assert.ok(again instanceof HTTPError, `approving twice must fail with the SDK's HTTPError, got ${again}`)
  assert.equal(again.status, 400)
  assert.equal(again.getField('detail'), 'status: the invoice is paid; approve is possible only when it is draft.manual_approval_needed')
  assert.deepEqual(Object.keys(again.getField('errors')), ['status'])
  await expectStatus(400, () => openmeter.billing.invoices.advance(firstInvoice.id), 'advancing a paid invoice')
  await expectStatus(404, () => openmeter.billing.invoices.approve(NO_SUCH_ID), 'approving an unknown invoice')
})

await step('a draft period (profile update: auto-advance after P1D): invoice now waits, then billing.invoices.advance', async () => {
  const workflow = { ...manualProfile.workflow, invoicing: { ...manualProfile.workflow.invoicing, autoAdvance: true, draftPeriod: 'P1D' } }
  manualProfile = await openmeter.billing.profiles.update(manualProfile.id, {
    name: manualProfile.name,
    description: manualProfile.description,
    supplier: manualProfile.supplier,
    default: false,
    workflow,
  })
  assert.equal(manualProfile.workflow.invoicing.draftPeriod, 'P1D')

  const at = await usageInstant(firstInvoice.createdAt)
  await openmeter.events.ingest([apiCall('api-4', at, 250)])
  await awaitCalls(apiSubscription.activeFrom, 1750)

  const [draft] = await openmeter.billing.invoices.invoicePendingLines({ customerId: globex.id })
  assert.equal(draft.status, 'draft')
  assert.equal(draft.statusDetails.extendedStatus, 'draft.waiting_auto_approval')
  assert.deepEqual(draft.statusDetails.availableActions.advance, { resultingState: 'issued' })
  assert.equal(draft.draftUntil.getTime() - draft.createdAt.getTime(), 24 * 3600 * 1000, 'the draft waits one day (P1D)')
  assert.equal(draft.lines.length, 1)
  assert.deepEqual(lineSummary(draft.lines[0]), {
    name: 'API calls',
    managedBy: 'subscription',
    type: 'usage_based',
    quantity: '250',
    price: { type: 'unit', amount: '0.01' },
    amount: '2.5',
    total: '2.5',
  })
  assert.equal(draft.lines[0].preLinePeriodQuantity, '1500', 'the first invoice billed 1500 of the period')
  assert.equal(draft.totals.total, '2.5')
  await expectStatus(400, () => openmeter.billing.invoices.approve(draft.id), 'approving a draft that waits for auto-approval')

  secondInvoice = await openmeter.billing.invoices.advance(draft.id)
  assert.equal(secondInvoice.id, draft.id)
  assert.equal(secondInvoice.status, 'paid')
  assert.equal(secondInvoice.number, 'INV-000002')
  assert.equal(secondInvoice.totals.total, '2.5')
})

await step('billing.invoices.void a paid invoice; voiding it again is a 400', async () => {
  const voided = await openmeter.billing.invoices.void(firstInvoice.id, {
    action: { percentage: 100, action: { type: 'discard' } },
    reason: 'compat: issued by mistake',
  })
  assert.equal(voided.id, firstInvoice.id)
  assert.equal(voided.status, 'voided')
  assert.equal(voided.statusDetails.extendedStatus, 'voided')
  assert.ok(voided.voidedAt instanceof Date, 'a voided invoice has voidedAt')
  assert.equal(voided.number, 'INV-000001', 'a voided invoice keeps its number')
  assert.deepEqual(voided.statusDetails.availableActions, {})
  await expectStatus(400, () => openmeter.billing.invoices.void(firstInvoice.id, { action: { percentage: 100, action: { type: 'discard' } }, reason: 'again' }), 'voiding a voided invoice')
})

await step('billing.invoices.get by id answers the lines (expand defaults to lines); list filters by status', async () => {
  const got = await openmeter.billing.invoices.get(secondInvoice.id)
  assert.equal(got.id, secondInvoice.id)
  assert.equal(got.status, 'paid')
  assert.equal(got.number, 'INV-000002')
  assert.equal(got.customer.id, globex.id)
  assert.ok(Array.isArray(got.lines), 'getInvoice expands lines by default')
  assert.deepEqual(got.lines.map(lineSummary), [
    { name: 'API calls', managedBy: 'subscription', type: 'usage_based', quantity: '250', price: { type: 'unit', amount: '0.01' }, amount: '2.5', total: '2.5' },
  ])
  const voided = await openmeter.billing.invoices.get(firstInvoice.id)
  assert.equal(voided.status, 'voided')
  assert.deepEqual(byName(voided.lines).map((l) => [l.name, l.totals.total]), [['API calls', '15'], ['Setup fee', '49.99']])
  await expectStatus(404, () => openmeter.billing.invoices.get(NO_SUCH_ID), 'billing.invoices.get of an unknown id')

  const paid = await openmeter.billing.invoices.list({ customers: [globex.id], statuses: ['paid'] })
  assert.deepEqual(paid.items.map((i) => i.number), ['INV-000002'])
  const voidedOnly = await openmeter.billing.invoices.list({ customers: [globex.id], extendedStatuses: ['voided'] })
  assert.deepEqual(voidedOnly.items.map((i) => i.id), [firstInvoice.id])
  const issuedLater = await openmeter.billing.invoices.list({ customers: [globex.id], issuedAfter: new Date(firstInvoice.issuedAt.getTime() + 1) })
  assert.deepEqual(issuedLater.items.map((i) => i.id), [secondInvoice.id])
  const newestFirst = await openmeter.billing.invoices.list({ customers: [globex.id], statuses: ['paid', 'voided'], orderBy: 'issuedAt', order: 'DESC' })
  assert.deepEqual(newestFirst.items.map((i) => i.number), ['INV-000002', 'INV-000001'])
  const all = await openmeter.billing.invoices.list({ customers: [globex.id], orderBy: 'createdAt' })
  assert.deepEqual(sorted(all.items.map((i) => i.status)), ['gathering', 'paid', 'voided'])
})

await step('billing.invoices.delete a draft: its pending line goes back to the gathering invoice (invoice now filtered by line)', async () => {
  const now = new Date()
  const { lines: [support] } = await openmeter.billing.invoices.createLineItems(globex.id, {
    currency: 'USD',
    lines: [{ name: 'Support hours', period: { from: now, to: now }, invoiceAt: now, rateCard: { price: { type: 'flat', amount: '120', paymentTerm: 'in_arrears' } } }],
  })
  const [draft] = await openmeter.billing.invoices.invoicePendingLines({ customerId: globex.id, filters: { lineIds: [support.id] } })
  assert.equal(draft.statusDetails.extendedStatus, 'draft.waiting_auto_approval')
  assert.deepEqual(draft.lines.map((l) => [l.id, l.name, l.totals.total]), [[support.id, 'Support hours', '120']], 'only the line asked for')
  assert.deepEqual(draft.statusDetails.availableActions.delete, { resultingState: 'deleted' })

  const recalculated = await openmeter.billing.invoices.recalculateTax(draft.id)
  assert.equal(recalculated.id, draft.id)
  assert.equal(recalculated.totals.taxesTotal, '0', 'the sandbox app calculates no tax')
  assert.equal(recalculated.totals.total, '120')
  await expectStatus(400, () => openmeter.billing.invoices.recalculateTax(secondInvoice.id), 'recalculating the taxes of a paid invoice')

  const snapshot = await openmeter.billing.invoices.snapshotQuantities(draft.id)
  assert.equal(snapshot.statusDetails.extendedStatus, 'draft.waiting_auto_approval')
  assert.equal(snapshot.totals.total, '120')
  assert.ok(snapshot.quantitySnapshotedAt >= draft.quantitySnapshotedAt, 'quantitySnapshotedAt moves on')

  assert.equal(await openmeter.billing.invoices.delete(draft.id), undefined, 'delete answers 204 No Content')
  const deleted = await openmeter.billing.invoices.get(draft.id)
  assert.ok(deleted.deletedAt instanceof Date, 'a deleted invoice is still answered by id, with deletedAt')
  assert.equal(deleted.statusDetails.extendedStatus, 'deleted')
  assert.deepEqual(deleted.statusDetails.availableActions, {}, 'nothing can be done with a deleted invoice')
  await expectStatus(404, () => openmeter.billing.invoices.advance(draft.id), 'advancing a deleted invoice')
  assert.deepEqual((await openmeter.billing.invoices.list({ customers: [globex.id] })).items.map((i) => i.id).filter((id) => id === draft.id), [], 'a listing leaves deleted invoices out')
  const [gathering] = (await openmeter.billing.invoices.list({ customers: [globex.id], statuses: ['gathering'], expand: ['lines'] })).items
  assert.deepEqual(gathering.lines.filter((l) => l.managedBy === 'manual').map((l) => [l.id, l.name]), [[support.id, 'Support hours']])
  await expectStatus(400, () => openmeter.billing.invoices.delete(secondInvoice.id), 'deleting an issued invoice')
})

await step('billing.profiles.delete: never the default nor a pinned profile; an unused one leaves the list', async () => {
  await expectStatus(400, () => openmeter.billing.profiles.delete(defaultProfile.id), 'deleting the default profile')
  await expectStatus(400, () => openmeter.billing.profiles.delete(manualProfile.id), 'deleting the profile Globex is pinned to')
  const unused = await openmeter.billing.profiles.create({
    name: 'Unused',
    supplier: SUPPLIER,
    default: false,
    apps: { tax: sandboxApp.id, invoicing: sandboxApp.id, payment: sandboxApp.id },
  })
  assert.equal(await openmeter.billing.profiles.delete(unused.id), undefined, 'delete answers 204 No Content')
  assert.deepEqual((await openmeter.billing.profiles.list({ orderBy: 'createdAt' })).items.map((p) => p.id), [defaultProfile.id, manualProfile.id])
  const archived = await openmeter.billing.profiles.list({ includeArchived: true, orderBy: 'createdAt' })
  assert.deepEqual(archived.items.map((p) => p.id), [defaultProfile.id, manualProfile.id, unused.id])
  assert.ok(archived.items[2].deletedAt instanceof Date, 'a deleted profile carries deletedAt')
  await expectStatus(404, () => openmeter.billing.profiles.delete(NO_SUCH_ID), 'deleting an unknown profile')
})

await step('billing.customers.deleteOverride: Globex follows the default profile again', async () => {
  assert.equal(await openmeter.billing.customers.deleteOverride(globex.id), undefined, 'delete answers 204 No Content')
  const after = await openmeter.billing.customers.getOverride(globex.id)
  assert.equal(after.customerOverride, undefined)
  assert.equal(after.baseBillingProfileId, defaultProfile.id)
  assert.equal(after.customerProfile.workflow.invoicing.autoAdvance, true)
  assert.deepEqual((await openmeter.billing.customers.listOverrides({ includeAllCustomers: false })).items, [])
  await expectStatus(404, () => openmeter.billing.customers.deleteOverride(globex.id), 'deleting an override that is gone')
})

let erpApp
let erpProfile
let initech
let erpInvoice

await step('custom invoicing: install from the marketplace (with its billing profile), apps.update turns both sync hooks on', async () => {
  // The SDK wraps only the API-key and OAuth installs; the plain install is called through its typed client.
  const { data, error, response } = await openmeter.client.POST('/api/v1/marketplace/listings/{type}/install', {
    params: { path: { type: 'custom_invoicing' } },
    body: { name: 'ERP' },
  })
  assert.equal(error, undefined, `install failed: ${JSON.stringify(error)}`)
  assert.equal(response.status, 200)
  erpApp = data.app
  assert.match(erpApp.id, ULID, 'an app id is a ULID')
  assert.equal(erpApp.type, 'custom_invoicing')
  assert.equal(erpApp.name, 'ERP')
  assert.equal(erpApp.enableDraftSyncHook, false)
  assert.equal(erpApp.enableIssuingSyncHook, false)
  assert.deepEqual(data.defaultForCapabilityTypes, [], 'a default profile exists already, so the new one is not the default')

  const profiles = await openmeter.billing.profiles.list({ orderBy: 'createdAt' })
  assert.deepEqual(profiles.items.map((p) => [p.name, p.default]), [['Default Billing Profile', true], ['Manual approval (EU)', false], ['ERP Billing Profile', false]])
  erpProfile = profiles.items[2]
  assert.deepEqual(erpProfile.apps, { tax: { id: erpApp.id }, invoicing: { id: erpApp.id }, payment: { id: erpApp.id } })

  const updated = await openmeter.apps.update(erpApp.id, { type: 'custom_invoicing', name: 'ERP', enableDraftSyncHook: true, enableIssuingSyncHook: true })
  assert.equal(updated.id, erpApp.id)
  assert.equal(updated.enableDraftSyncHook, true)
  assert.equal(updated.enableIssuingSyncHook, true)
  assert.equal((await openmeter.apps.list()).totalCount, 2)
  await expectStatus(409, () => openmeter.apps.uninstall(erpApp.id), 'uninstalling an app a billing profile uses')
})

await step('custom invoicing: a draft waits for apps.customInvoicing.draftSynchronized, then issuing for issuingSynchronized', async () => {
  initech = checkCustomer(await openmeter.customers.create({ name: 'Initech', key: 'initech', currency: 'USD' }), 'customers.create')
  await openmeter.billing.customers.createOverride(initech.id, { billingProfileId: erpProfile.id })
  const now = new Date()
  await openmeter.billing.invoices.createLineItems(initech.id, {
    currency: 'USD',
    lines: [{ name: 'Onboarding', period: { from: now, to: now }, invoiceAt: now, rateCard: { price: { type: 'flat', amount: '99', paymentTerm: 'in_advance' } } }],
  })
  ;[erpInvoice] = await openmeter.billing.invoices.invoicePendingLines({ customerId: initech.id })
  assert.equal(erpInvoice.status, 'draft')
  assert.equal(erpInvoice.statusDetails.extendedStatus, 'draft.syncing', 'the draft sync hook is on: the ERP has the draft')
  assert.equal(erpInvoice.workflow.sourceBillingProfileId, erpProfile.id)
  assert.equal(erpInvoice.totals.total, '99')

  assert.equal(await openmeter.apps.customInvoicing.draftSynchronized(erpInvoice.id, { invoicing: { externalId: 'erp-draft-1' } }), undefined, 'the hook answers 204 No Content')
  const issuing = await openmeter.billing.invoices.get(erpInvoice.id)
  assert.equal(issuing.status, 'issuing', 'auto-advance with no draft period issues at once')
  assert.equal(issuing.statusDetails.extendedStatus, 'issuing.syncing', 'the issuing sync hook is on: the ERP finalizes it')
  assert.equal(issuing.number, 'INV-000001', 'the first number of the ERP profile')
  assert.equal(issuing.externalIds.invoicing, 'erp-draft-1')
  await expectStatus(400, () => openmeter.apps.customInvoicing.draftSynchronized(erpInvoice.id, {}), 'a draft sync for an invoice past its draft')

  const sentAt = new Date(Math.floor(Date.now() / 1000) * 1000)
  assert.equal(
    await openmeter.apps.customInvoicing.issuingSynchronized(erpInvoice.id, { invoicing: { invoiceNumber: 'ERP-0001', sentToCustomerAt: sentAt }, payment: { externalId: 'erp-pay-1' } }),
    undefined,
    'the hook answers 204 No Content',
  )
  const issued = await openmeter.billing.invoices.get(erpInvoice.id)
  assert.equal(issued.status, 'payment_processing')
  assert.equal(issued.statusDetails.extendedStatus, 'payment_processing.pending')
  assert.equal(issued.number, 'ERP-0001', 'the ERP numbers the invoice')
  assert.equal(issued.sentToCustomerAt.toISOString(), sentAt.toISOString())
  assert.deepEqual(issued.externalIds, { invoicing: 'erp-draft-1', payment: 'erp-pay-1' })
})

await step('custom invoicing: apps.customInvoicing.updatePaymentStatus paid; a trigger outside the enum is a 400', async () => {
  await expectStatus(400, () => openmeter.apps.customInvoicing.updatePaymentStatus(erpInvoice.id, { trigger: 'refunded' }), 'an unknown payment trigger')
  assert.equal(await openmeter.apps.customInvoicing.updatePaymentStatus(erpInvoice.id, { trigger: 'paid' }), undefined, 'the hook answers 204 No Content')
  const paid = await openmeter.billing.invoices.get(erpInvoice.id)
  assert.equal(paid.status, 'paid')
  assert.deepEqual(paid.statusDetails.availableActions, { void: { resultingState: 'voided' } })
  assert.deepEqual(paid.lines.map((l) => [l.name, l.totals.total]), [['Onboarding', '99']])
  await expectStatus(400, () => openmeter.apps.customInvoicing.updatePaymentStatus(erpInvoice.id, { trigger: 'paid' }), 'paying a paid invoice again')
})

console.log(`compat: all ${steps} steps passed (@openmeter/sdk ${sdkVersion} against ${baseUrl})`)
