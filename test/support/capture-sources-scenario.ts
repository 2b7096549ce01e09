import { dataset, defineScenario, page, vus } from '../../src/index.ts';

/**
 * Every kind of capture in one journey, against the loopback server of
 * test/integration/scenario-captures-k6.test.ts: a header, a cookie and a
 * hidden form field from one page, a JSON id from another, all sent back
 * in the path, headers and a nested body of the last.
 */
export default defineScenario({
  name: 'capture-sources',
  description: 'Every capture source (header, cookie, regex, json) sent back in a path, headers and a nested body.',
  data: { visitors: dataset(`select 'visitor-' || n as visitor from generate_series(1, 10) n`, ['visitor']) },
  journeys: {
    visitors: {
      data: 'visitors',
      load: vus({ vus: 2, duration: '2s' }),
      headers: { 'X-Request-Token': '{request_token}' },
      steps: [
        page('Form', {
          path: '/form',
          capture: { request_token: 'header:x-request-token', csrftoken: 'cookie:csrftoken', nonce: 'regex:name="nonce" value="([^"]+)"' },
        }),
        page('Profile', { path: '/profile', capture: { user_id: 'json:users[*].id' } }),
        page('Submit', {
          method: 'POST',
          path: '/users/{user_id}/submit',
          headers: { 'X-CSRFToken': '{csrftoken}' },
          body: { form: { nonce: '{nonce}', by: ['{visitor}'], count: 1 } },
          checks: [{ name: 'accepted', contains: '"ok":true' }],
        }),
      ],
    },
  },
});
