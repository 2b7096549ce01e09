import { describe, expect, it } from 'vitest';
import { parsePrometheusText } from '../../src/collect/prometheus-text.ts';

const EXPOSITION = `# HELP portal_http_requests_total HTTP requests answered
# TYPE portal_http_requests_total counter
portal_http_requests_total{status="200",route="/bookings",method="GET"} 41
portal_http_requests_total{route="/login",method="POST",status="500"} 2
# TYPE portal_db_pool_waiting gauge
portal_db_pool_waiting 3
# TYPE portal_http_request_duration_seconds histogram
portal_http_request_duration_seconds_bucket{le="0.1",route="/bookings"} 40
portal_http_request_duration_seconds_sum{route="/bookings"} 1.5
portal_http_request_duration_seconds_count{route="/bookings"} 41
# TYPE odd gauge
odd{path="a \\"quoted\\", {braced} value"} 1.5e3 1700000000000
odd{path="nan"} NaN
untyped_thing 7
`;

describe('Prometheus text', () => {
  it('keeps counters and gauges as name{sorted labels} → value, drops histograms and non-finite values', () => {
    expect(parsePrometheusText(EXPOSITION)).toEqual({
      'portal_http_requests_total{method="GET",route="/bookings",status="200"}': 41,
      'portal_http_requests_total{method="POST",route="/login",status="500"}': 2,
      portal_db_pool_waiting: 3,
      'odd{path="a \\"quoted\\", {braced} value"}': 1500,
      untyped_thing: 7,
    });
  });

  it('keeps only the names asked for', () => {
    expect(Object.keys(parsePrometheusText(EXPOSITION, (name) => name.startsWith('portal_db')))).toEqual(['portal_db_pool_waiting']);
  });
});
