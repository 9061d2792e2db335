import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { decodePayload, encodeRecord, joinLines, readBatchPayload, recordLines, recoverSpool, scanSegment, segmentName } from './spool.ts'

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'tellen-spool-'))

describe('spool records', () => {
  it('round-trips a token and its lines', () => {
    const rec = encodeRecord('tok-1', ['{"a":1}', '{"b":"x\\ny"}'])
    const { records, validBytes } = scanSegment(rec)
    expect(validBytes).toBe(rec.length)
    expect(decodePayload(records[0]!.payload)).toEqual({ token: 'tok-1', lines: ['{"a":1}', '{"b":"x\\ny"}'] })
  })

  it('holds the token and lines as UTF-8 joined by newlines, for ASCII, accented, astral and empty lines', () => {
    const lines = ['["a",1]', '["café","ß"]', '', '["🦊","\u00ff"]', 'x'.repeat(5000), '["\u00e9"]']
    const rec = encodeRecord('tök', lines)
    const expected = Buffer.from(`tök\n${lines.join('\n')}`, 'utf8')
    expect(rec.readUInt32LE(0)).toBe(expected.length)
    expect(rec.subarray(8).equals(expected)).toBe(true)
    expect(scanSegment(rec).validBytes).toBe(rec.length)
  })

  it('reads a batch of several records back as its lines joined by newlines, byte for byte', async () => {
    const dir = tmp()
    const a = encodeRecord('tok', ['{"p":"/é"}', '{"p":"/🦊"}'])
    const other = encodeRecord('other', ['{"p":"/x"}'])
    const b = encodeRecord('tok', ['{"p":"/z\\n"}'])
    fs.writeFileSync(path.join(dir, segmentName(3)), Buffer.concat([a, other, b]))
    const payload = await readBatchPayload(dir, {
      segment: 3,
      records: [{ segment: 3, offset: 0, length: a.length }, { segment: 3, offset: a.length + other.length, length: b.length }],
    })
    expect(payload.toString('utf8')).toBe('{"p":"/é"}\n{"p":"/🦊"}\n{"p":"/z\\n"}')
    const one = await readBatchPayload(dir, { segment: 3, records: [{ segment: 3, offset: a.length, length: other.length }] })
    expect(one.toString('utf8')).toBe('{"p":"/x"}')
    await expect(readBatchPayload(dir, { segment: 3, records: [{ segment: 3, offset: 1, length: a.length }] })).rejects.toThrow(/damaged/)
  })

  it('gives the same bytes from the records in memory as read back from the segment', async () => {
    const dir = tmp()
    const a = encodeRecord('tok', ['{"p":"/é"}', '{"p":"/🦊"}'])
    const b = encodeRecord('tok', ['{"p":"/z\\n"}'])
    fs.writeFileSync(path.join(dir, segmentName(4)), Buffer.concat([a, b]))
    const read = await readBatchPayload(dir, { segment: 4, records: [{ segment: 4, offset: 0, length: a.length }, { segment: 4, offset: a.length, length: b.length }] })
    expect(joinLines([recordLines(a), recordLines(b)]).equals(read)).toBe(true)
    expect(joinLines([recordLines(b)]).toString('utf8')).toBe('{"p":"/z\\n"}')
    // The record's length and checksum cover exactly the bytes written after the header.
    expect(a.readUInt32LE(0)).toBe(a.length - 8)
  })

  it('stops at a torn record and at a record whose checksum does not match', () => {
    const a = encodeRecord('a', ['{"n":1}'])
    const b = encodeRecord('b', ['{"n":2}'])
    const torn = Buffer.concat([a, b.subarray(0, b.length - 3)])
    expect(scanSegment(torn)).toMatchObject({ validBytes: a.length })
    expect(scanSegment(torn).records).toHaveLength(1)
    const flipped = Buffer.concat([a, b])
    flipped[a.length + 10] = flipped[a.length + 10]! ^ 0xff
    expect(scanSegment(flipped).validBytes).toBe(a.length)
    expect(scanSegment(Buffer.alloc(0)).records).toEqual([])
    expect(scanSegment(Buffer.alloc(64)).validBytes).toBe(0)
  })
})

describe('recoverSpool', () => {
  it('groups records into batches by token in segment order and cuts off a torn tail', () => {
    const dir = tmp()
    const one = Buffer.concat([encodeRecord('t1', ['{"n":1}']), encodeRecord('t1', ['{"n":2}', '{"n":3}']), encodeRecord('t2', ['{"n":4}'])])
    const tail = encodeRecord('t3', ['{"n":5}', '{"n":6}'])
    fs.writeFileSync(path.join(dir, segmentName(1)), one)
    fs.writeFileSync(path.join(dir, segmentName(2)), Buffer.concat([encodeRecord('t3', ['{"n":5}']), tail.subarray(0, 9)]))
    fs.writeFileSync(path.join(dir, segmentName(3)), tail.subarray(0, 5))
    const r = recoverSpool(dir)
    expect(r.batches.map((b) => [b.token, b.segment, b.records.length, b.rows])).toEqual([
      ['t1', 1, 2, 3],
      ['t2', 1, 1, 1],
      ['t3', 2, 1, 1],
    ])
    expect(r.droppedBytes).toBe(9 + 5)
    expect(fs.statSync(path.join(dir, segmentName(2))).size).toBe(encodeRecord('t3', ['{"n":5}']).length)
    expect(fs.existsSync(path.join(dir, segmentName(3)))).toBe(false)
  })
})
