import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { createSpamFilter, parseSpamList } from './referrer-spam.ts'

describe('referrer spam filter', () => {
  it('recognises listed hosts and their subdomains, and nothing else', () => {
    const isSpam = createSpamFilter()
    expect(isSpam('semalt.com')).toBe(true)
    expect(isSpam('www.semalt.com')).toBe(true)
    expect(isSpam('a.b.darodar.com')).toBe(true)
    expect(isSpam('notsemalt.com')).toBe(false)
    expect(isSpam('google.com')).toBe(false)
    expect(isSpam('com')).toBe(false)
    expect(isSpam('')).toBe(false)
  })

  it('adds the hosts of a list file in spammers.txt format', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tellen-spam-')), 'spammers.txt')
    fs.writeFileSync(file, '# extra\nspam-extra.example\n\n  WWW.Other-Spam.example  \n')
    expect(parseSpamList(fs.readFileSync(file, 'utf8'))).toEqual(new Set(['spam-extra.example', 'other-spam.example']))
    const isSpam = createSpamFilter(file)
    expect(isSpam('x.spam-extra.example')).toBe(true)
    expect(isSpam('semalt.com')).toBe(true)
  })
})
