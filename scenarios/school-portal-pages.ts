import { page } from 'rehearse';

// The school-portal pages the scenarios visit, named once so budgets and
// reports refer to the same names.

export const login = page('Login', {
  method: 'POST',
  path: '/login',
  body: { email: '{email}', password: '{password}' },
  expect: 200,
  checks: [{ name: 'signed in', contains: 'Signed in as' }],
});

export const myBookings = page('My Bookings', {
  path: '/bookings?evening={evening_id}',
  checks: [{ name: 'links the video page of the evening', contains: '/evenings/{evening_id}/video' }],
});

export const videoCall = page('Video call', { path: '/evenings/{evening_id}/video' });

export const posts = page('Posts', { path: '/posts' });
