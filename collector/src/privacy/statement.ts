import type { Config } from '../config.ts'
import { EVENT_TYPES } from '../protocol.ts'
import {
  COLLECTED, OPT_OUT_HEADERS, QUERY_ALLOWLIST, REJECTIONS_RETENTION_DAYS, SALT_BYTES, SALT_KEEP_HOURS_AFTER_DAY,
  URL_PLACEHOLDERS, VISITOR_HASH_BITS,
} from './policy.ts'

export const STATEMENT_LANGUAGES = ['en', 'nl'] as const
export type StatementLanguage = (typeof STATEMENT_LANGUAGES)[number]

/** The settings a statement depends on. */
export type StatementConfig = Pick<Config, 'ipv4Prefix' | 'ipv6Prefix' | 'eventsRetentionDays' | 'rollupRetentionDays'>

const code = (s: string) => `\`${s}\``
const list = (items: readonly string[]) => items.map(code).join(', ')
const placeholders = list(Object.values(URL_PLACEHOLDERS))

const TEXT = {
  en: {
    title: 'Website statistics',
    intro:
      'We measure how this website is used with Tellen, a privacy-friendly analytics system that runs on our own server. It sets no cookies, stores nothing on your device, does not follow you across websites, and is not used for advertising or profiling. We use the figures only to understand which pages are used and to improve the site.',
    collectedTitle: 'What is recorded',
    technical:
      'With each of these: browser and operating system (name and major version), device type, a screen size class (phone, tablet, laptop, desktop), time zone (only a known zone name), language (language and region only), and the country derived from your IP address.',
    urlTitle: 'Page addresses',
    url: (allow: string) =>
      `Of every address only the host name, the path and these query parameters are kept: ${allow}, plus parameters the site owner has explicitly allowed. Anything after \`#\` is dropped, except the page route of a site that uses hash routing (\`#/...\`), whose parameters are kept only when allowed as above. E-mail addresses, IP addresses, long numbers (such as card, phone or order numbers, in any usual notation), unique ids and random-looking codes (such as password reset links) in an address, even when encoded, are replaced with ${placeholders} before anything is stored, and invisible characters are removed. The same is done to element names, event names and their properties. Of a referring website only the host name is kept, shortened to its domain when it holds a number, an id or an account name.`,
    ipTitle: 'Your IP address',
    ip: (v4: number, v6: number) =>
      `Your IP address is used only in memory while a request is handled: to look up the country and to compute a visitor code, then it is discarded. It is never written to disk or to a log. Only its network part, the first ${v4} bits of an IPv4 address (/${v4}) or the first ${v6} bits of an IPv6 address (/${v6}), is kept: in counts of refused requests (such as those of bots) and in the server's request log, never next to a visitor code.`,
    hash: (days: number) =>
      `To count unique visitors without cookies, a visitor code is computed from the website, your IP address and your browser's user agent with a keyed hash (HMAC-SHA-256, shortened to ${VISITOR_HASH_BITS} bits), using a random ${SALT_BYTES}-byte key that changes every day (UTC). Each day's key is deleted ${days} hours after that day ends; after that, nobody, including us, can link the codes to an IP address or to another day's visits. While it exists, the daily key is stored only encrypted with a collector key that only our analytics server holds: someone who obtains the database or a backup of it without that collector key cannot link a code to an IP address. This does not protect against someone who has both the collector key and the database within ${days} hours after the end of a day: they could work out which IP address made a code of that day.`,
    retentionTitle: 'How long data is kept',
    events: (d: number) =>
      d === 0
        ? 'Individual (anonymised) events are not kept: they are added to aggregated counts, and held for at most two days only to group them into visits.'
        : `Anonymised individual events are kept for ${d} days and then deleted.`,
    rollups: (d: number) =>
      d === 0
        ? 'Aggregated statistics (counts per page, hour and the like) are kept until the site owner deletes them.'
        : `Aggregated statistics (counts per page, hour and the like) are kept for ${d} days.`,
    visits: (d: number) =>
      `Visits are kept as one record per visit, with that day's visitor code: when the visit started and ended, the pages and custom events in it, its first and last page, where it came from (the referring host and campaign tags of its first page view), and the country, browser, operating system, device type, screen class, time zone and language of that page view. They are kept ${d === 0 ? 'until the site owner deletes them' : `for ${d} days`}, as long as the aggregated statistics, to count visits, bounces and visit lengths.`,
    rejections: `Counts of refused requests (such as bots) are kept for ${REJECTIONS_RETENTION_DAYS} days.`,
    optOutTitle: 'Do Not Track and Global Privacy Control',
    optOut: (dnt: string, gpc: string) =>
      `If your browser sends Do Not Track (\`${dnt}: 1\`) or Global Privacy Control (\`${gpc}: 1\`), the tracking script sends nothing, and anything that arrives with those signals is not stored: only the number of such requests per site and hour is counted, with nothing about you. Our tracking status is published at \`/.well-known/dnt/\` and \`/.well-known/gpc.json\`.`,
  },
  nl: {
    title: 'Websitestatistieken',
    intro:
      'We meten het gebruik van deze website met Tellen, een privacyvriendelijk statistieksysteem dat op onze eigen server draait. Het plaatst geen cookies, bewaart niets op je apparaat, volgt je niet over andere websites en wordt niet gebruikt voor advertenties of profilering. We gebruiken de cijfers alleen om te begrijpen welke pagina\'s gebruikt worden en om de site te verbeteren.',
    collectedTitle: 'Wat wordt vastgelegd',
    technical:
      'Bij elk daarvan: browser en besturingssysteem (naam en hoofdversie), soort apparaat, een schermformaatklasse (telefoon, tablet, laptop, desktop), tijdzone (alleen een bekende zonenaam), taal (alleen taal en regio), en het land dat uit je IP-adres wordt afgeleid.',
    urlTitle: 'Paginaadressen',
    url: (allow: string) =>
      `Van elk adres worden alleen de hostnaam, het pad en deze queryparameters bewaard: ${allow}, plus parameters die de eigenaar van de site uitdrukkelijk heeft toegestaan. Alles na \`#\` vervalt, behalve de paginaroute van een site die hash-routing gebruikt (\`#/...\`), waarvan parameters alleen bewaard worden als ze zoals hierboven zijn toegestaan. E-mailadressen, IP-adressen, lange nummers (zoals kaart-, telefoon- of ordernummers, in elke gangbare schrijfwijze), unieke id's en willekeurig ogende codes (zoals links om een wachtwoord te herstellen) in een adres, ook als ze gecodeerd zijn, worden vervangen door ${placeholders} voordat er iets wordt opgeslagen, en onzichtbare tekens worden verwijderd. Hetzelfde gebeurt met namen van elementen, namen van gebeurtenissen en hun eigenschappen. Van een verwijzende website wordt alleen de hostnaam bewaard, ingekort tot het domein als die een nummer, een id of een accountnaam bevat.`,
    ipTitle: 'Je IP-adres',
    ip: (v4: number, v6: number) =>
      `Je IP-adres wordt alleen in het geheugen gebruikt zolang een verzoek wordt verwerkt: om het land op te zoeken en een bezoekerscode te berekenen; daarna wordt het weggegooid. Het wordt nooit naar schijf of naar een log geschreven. Alleen het netwerkdeel, de eerste ${v4} bits van een IPv4-adres (/${v4}) of de eerste ${v6} bits van een IPv6-adres (/${v6}), wordt bewaard: in tellingen van geweigerde verzoeken (zoals die van bots) en in het verzoekenlog van de server, nooit naast een bezoekerscode.`,
    hash: (days: number) =>
      `Om unieke bezoekers zonder cookies te tellen, wordt een bezoekerscode berekend uit de website, je IP-adres en de user agent van je browser met een hash met sleutel (HMAC-SHA-256, ingekort tot ${VISITOR_HASH_BITS} bits), met een willekeurige sleutel van ${SALT_BYTES} bytes die elke dag (UTC) verandert. De sleutel van een dag wordt ${days} uur na het einde van die dag verwijderd; daarna kan niemand, ook wij niet, de codes nog aan een IP-adres of aan bezoeken op een andere dag koppelen. Zolang hij bestaat, wordt de dagsleutel alleen versleuteld opgeslagen, met een verzamelaarsleutel die alleen onze statistiekserver heeft: wie de database of een back-up ervan in handen krijgt zonder die verzamelaarsleutel, kan een code niet aan een IP-adres koppelen. Dat beschermt niet tegen iemand die zowel de verzamelaarsleutel als de database heeft binnen ${days} uur na het einde van een dag: die zou kunnen uitrekenen welk IP-adres een code van die dag maakte.`,
    retentionTitle: 'Hoe lang gegevens bewaard worden',
    events: (d: number) =>
      d === 0
        ? 'Losse (geanonimiseerde) gebeurtenissen worden niet bewaard: ze worden bij geaggregeerde tellingen opgeteld en hoogstens twee dagen vastgehouden om ze tot bezoeken te groeperen.'
        : `Geanonimiseerde losse gebeurtenissen worden ${d} dagen bewaard en daarna verwijderd.`,
    rollups: (d: number) =>
      d === 0
        ? 'Geaggregeerde statistieken (tellingen per pagina, uur en dergelijke) worden bewaard tot de eigenaar van de site ze verwijdert.'
        : `Geaggregeerde statistieken (tellingen per pagina, uur en dergelijke) worden ${d} dagen bewaard.`,
    visits: (d: number) =>
      `Bezoeken worden bewaard als één record per bezoek, met de bezoekerscode van die dag: wanneer het bezoek begon en eindigde, de pagina's en eigen gebeurtenissen erin, de eerste en laatste pagina, waar het vandaan kwam (de hostnaam van de verwijzende website en de campagnelabels van het eerste paginabezoek), en het land, de browser, het besturingssysteem, de soort apparaat, de schermformaatklasse, de tijdzone en de taal van dat paginabezoek. Ze worden ${d === 0 ? 'bewaard tot de eigenaar van de site ze verwijdert' : `${d} dagen bewaard`}, even lang als de geaggregeerde statistieken, om bezoeken, bounces en de duur van bezoeken te tellen.`,
    rejections: `Tellingen van geweigerde verzoeken (zoals bots) worden ${REJECTIONS_RETENTION_DAYS} dagen bewaard.`,
    optOutTitle: 'Do Not Track en Global Privacy Control',
    optOut: (dnt: string, gpc: string) =>
      `Als je browser Do Not Track (\`${dnt}: 1\`) of Global Privacy Control (\`${gpc}: 1\`) meestuurt, verstuurt het meetscript niets, en wat toch met die signalen binnenkomt wordt niet opgeslagen: alleen het aantal van zulke verzoeken per site en uur wordt geteld, zonder iets over jou. Onze trackingstatus staat op \`/.well-known/dnt/\` en \`/.well-known/gpc.json\`.`,
  },
} as const

/**
 * A privacy statement section in Markdown, generated from the running configuration and the
 * constants in `policy.ts` that the collector itself enforces, ready to paste into a site's statement.
 * @example console.log(privacyStatement(loadConfig(), 'nl'))
 */
export function privacyStatement(config: StatementConfig, lang: StatementLanguage = 'en'): string {
  const t = TEXT[lang]
  const header = (h: string) => `## ${h}`
  return [
    `# ${t.title}`,
    t.intro,
    header(t.collectedTitle),
    EVENT_TYPES.map((type) => `- ${COLLECTED[type][lang]} (${code(type)})`).join('\n'),
    t.technical,
    header(t.urlTitle),
    t.url(list(QUERY_ALLOWLIST)),
    header(t.ipTitle),
    t.ip(config.ipv4Prefix, config.ipv6Prefix),
    t.hash(SALT_KEEP_HOURS_AFTER_DAY),
    header(t.retentionTitle),
    [t.events(config.eventsRetentionDays), t.rollups(config.rollupRetentionDays), t.visits(config.rollupRetentionDays), t.rejections].map((s) => `- ${s}`).join('\n'),
    header(t.optOutTitle),
    t.optOut(OPT_OUT_HEADERS.dnt, OPT_OUT_HEADERS.gpc),
  ].join('\n\n') + '\n'
}
