/** How each way of leaving a page reads in the dashboard. */
export const EXIT_KINDS: Record<string, string> = {
  internal: 'Link on the site', outbound: 'Outbound link', download: 'Download', tel: 'Phone link', mailto: 'Email link',
  form: 'Form sent', reload: 'Reload', back_forward: 'Back or forward', hidden: 'Tab hidden or closed',
}
