// The area sub-navigation's links, in a plain module so server layouts can read them (a 'use
// client' module's exports are references on the server, not values).
export type TSubLink = { href: string; label: string };

export const OPERATOR_LINKS: TSubLink[] = [
  { href: '/generation', label: 'Requests' },
  { href: '/generation/routing', label: 'Routing configs' },
  { href: '/generation/metrics', label: 'Metrics' },
  { href: '/review/strength', label: 'Strength feedback' },
  { href: '/models', label: 'Models' },
];

export const REVIEW_LINKS: TSubLink[] = [
  { href: '/review', label: 'Queue' },
  { href: '/review/adjudication', label: 'Adjudication' },
  { href: '/review/history', label: 'History & my stats' },
];
