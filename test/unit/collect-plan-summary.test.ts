import { describe, expect, it } from 'vitest';
import { summarizePlan } from '../../src/collect/plan-summary.ts';

describe('plan summaries', () => {
  it('lists node types, seq scans with estimated rows, join methods and indexes', () => {
    const explain = [
      {
        Plan: {
          'Node Type': 'Hash Join',
          'Total Cost': 412.5,
          'Plan Rows': 40,
          Plans: [
            { 'Node Type': 'Seq Scan', 'Relation Name': 'bookings', 'Plan Rows': 20000, 'Total Cost': 300 },
            {
              'Node Type': 'Hash',
              Plans: [
                {
                  'Node Type': 'Nested Loop',
                  Plans: [
                    { 'Node Type': 'Index Scan', 'Relation Name': 'parents', 'Index Name': 'parents_pkey', 'Plan Rows': 1 },
                    { 'Node Type': 'Bitmap Heap Scan', 'Relation Name': 'slots', Plans: [{ 'Node Type': 'Bitmap Index Scan', 'Index Name': 'slots_evening_idx' }] },
                  ],
                },
              ],
            },
          ],
        },
      },
    ];
    expect(summarizePlan(explain)).toEqual({
      nodeTypes: ['Bitmap Heap Scan', 'Bitmap Index Scan', 'Hash', 'Hash Join', 'Index Scan', 'Nested Loop', 'Seq Scan'],
      seqScans: [{ relation: 'bookings', estimatedRows: 20000 }],
      joinMethods: ['Hash Join', 'Nested Loop'],
      indexes: ['parents_pkey', 'slots_evening_idx'],
      totalCost: 412.5,
      estimatedRows: 40,
      access: [
        { relation: 'bookings', scan: 'Seq Scan' },
        { relation: 'parents', scan: 'Index Scan' },
        { relation: 'slots', scan: 'Bitmap Heap Scan' },
      ],
    });
  });

  it('gives an empty summary for something that is not a plan', () => {
    expect(summarizePlan(null)).toEqual({ nodeTypes: [], seqScans: [], joinMethods: [], indexes: [], totalCost: 0, estimatedRows: 0, access: [] });
  });
});
