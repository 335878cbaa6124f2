// The demo staff the server seeds with --demo; the same sign-ins the README gives.
export const DEMO_PASSWORD = 'portal-desk-demo';

export const staff = {
  admin: { email: 'admin@portal-desk.example', name: 'Sam Admin', site: 'Hilltop Health Centre' },
  asha: { email: 'asha.patel@riverside.example', name: 'Asha Patel', site: 'Riverside Clinic' },
  ben: { email: 'ben.okafor@riverside.example', name: 'Ben Okafor', site: 'Riverside Clinic' },
  dan: { email: 'dan.murphy@hilltop.example', name: 'Dan Murphy', site: 'Hilltop Health Centre' },
};
