import { beforeAll, describe, expect, it } from 'vitest';
import { rulesOfCheck } from '../../src/seed/check-rules.ts';
import { capacityOf, generateMatch, likeToRegex, parseRegex, shapeValue, toJsRegExp, uniqueShape } from '../../src/seed/regex-values.ts';
import { loadSqlParser, parseCheckDefinition, parseIndexDefinition } from '../../src/seed/sql-expression.ts';

/** Checks as pg_get_constraintdef() prints them, the forms pg_dump and ORMs write. */
const rules = (definition: string, valueColumn?: string) => rulesOfCheck(parseCheckDefinition(definition, valueColumn));

beforeAll(async () => {
  await loadSqlParser();
});

describe('CHECK constraints read as rules', () => {
  it('reads lists on any text type, as IN or = ANY (ARRAY[…]) with casts', () => {
    expect(rules("CHECK (((status)::text = ANY ((ARRAY['draft'::character varying, 'active'::character varying])::text[])))").rules).toEqual([
      { kind: 'value', column: 'status', rule: { kind: 'oneOf', values: ['draft', 'active'] } },
    ]);
    expect(rules("CHECK ((currency = ANY (ARRAY['GBP'::bpchar, 'EUR'::bpchar])))").rules[0]).toMatchObject({ rule: { values: ['GBP', 'EUR'] } });
    expect(rules("CHECK (((role)::text <> ALL ((ARRAY['root'::character varying])::text[])))").rules[0]).toMatchObject({ rule: { kind: 'noneOf', values: ['root'] } });
    expect(rules("CHECK (((kind = 'a'::text) OR (kind = 'b'::text)))").rules[0]).toMatchObject({ rule: { kind: 'oneOf', values: ['a', 'b'] } });
  });

  it('reads ranges, BETWEEN and length bounds, exclusive ends kept exclusive', () => {
    expect(rules('CHECK (((year_group >= 1) AND (year_group <= 13)))').rules.map((r) => r.kind === 'value' && r.rule)).toEqual([
      { kind: 'range', min: { value: 1, inclusive: true } },
      { kind: 'range', max: { value: 13, inclusive: true } },
    ]);
    expect(rules('CHECK ((rating >= 1 AND rating <= 5))').rules).toHaveLength(2);
    expect(rules('CHECK (((percent_off >= 5) AND (percent_off <= 80)))').rules).toHaveLength(2);
    expect(rules('CHECK ((duration_minutes > 0))').rules[0]).toMatchObject({ rule: { kind: 'range', min: { value: 0, inclusive: false } } });
    expect(rules("CHECK ((x > '-5'::integer))").rules[0]).toMatchObject({ rule: { min: { value: -5 } } });
    expect(rules('CHECK (((char_length(title) >= 3) AND (char_length(title) <= 200)))').rules.map((r) => r.kind === 'value' && r.rule)).toEqual([
      { kind: 'length', min: 3 },
      { kind: 'length', max: 200 },
    ]);
    expect(rules('CHECK ((length(TRIM(BOTH FROM display_name)) > 0))').rules[0]).toMatchObject({ column: 'display_name', rule: { kind: 'length', min: 1 } });
  });

  it('reads column comparisons, and drops `x IS NULL OR …` because a NULL passes a check anyway', () => {
    expect(rules('CHECK ((ends_at > starts_at))').rules).toEqual([{ kind: 'compare', left: 'starts_at', op: '<', right: 'ends_at' }]);
    expect(rules('CHECK ((follower_id <> followee_id))').rules).toEqual([{ kind: 'compare', left: 'follower_id', op: '<>', right: 'followee_id' }]);
    expect(rules('CHECK (((deleted_at IS NULL) OR (deleted_at >= created_at)))').rules).toEqual([{ kind: 'compare', left: 'created_at', op: '<=', right: 'deleted_at' }]);
  });

  it('reads any combination of IS [NOT] NULL as the NULL patterns it allows', () => {
    const pattern = (definition: string) => rules(definition).rules[0];
    expect(pattern('CHECK (((event_id IS NULL) <> (photo_id IS NULL)))')).toEqual({ kind: 'nulls', columns: ['event_id', 'photo_id'], allowed: [[true, false], [false, true]] });
    expect(pattern('CHECK (((lat IS NULL) = (lng IS NULL)))')).toEqual({ kind: 'nulls', columns: ['lat', 'lng'], allowed: [[false, false], [true, true]] });
    expect(pattern('CHECK ((num_nonnulls(phone, website) >= 1))')).toMatchObject({ allowed: [[true, false], [false, true], [true, true]] });
    expect(pattern('CHECK (((email IS NOT NULL) OR (phone IS NOT NULL)))')).toMatchObject({ allowed: [[true, false], [false, true], [true, true]] });
  });

  it('reads regular expressions and LIKE into a pattern to generate, and domain checks on VALUE', () => {
    expect(rules("CHECK (((sku)::text ~ '^[A-Z]{3}-[0-9]{5}$'::text))").rules[0]).toMatchObject({ column: 'sku', rule: { kind: 'matches', regex: '^[A-Z]{3}-[0-9]{5}$', caseInsensitive: false } });
    expect(rules("CHECK (((number)::text ~~ 'R%'::text))").rules[0]).toMatchObject({ rule: { kind: 'matches', regex: '^R.*$' } });
    expect(rules("CHECK ((VALUE ~* '^[a-z]+@[a-z]+$'::text))", 'email').rules[0]).toMatchObject({ column: 'email', rule: { caseInsensitive: true } });
    expect(rules("CHECK ((email = lower(email)))").rules[0]).toMatchObject({ rule: { kind: 'letterCase', upper: false } });
  });

  it('says what it does not read, by name', () => {
    expect(rules('CHECK (((n % 2) = 0))').unsupported[0]).toMatchObject({ columns: ['n'], reason: 'the operator %' });
    expect(rules("CHECK ((md5(token) <> ''::text))").unsupported[0]!.reason).toBe('the function md5()');
    expect(rules("CHECK (((code)::text !~ '^x'::text))").unsupported[0]!.reason).toBe('a negated pattern (!~)');
  });

  it('reads unique index keys and predicates', () => {
    expect(parseIndexDefinition('CREATE UNIQUE INDEX a ON public.addresses USING btree (customer_id) WHERE is_default')).toEqual({
      keys: [{ kind: 'column', name: 'customer_id' }],
      where: { kind: 'column', name: 'is_default' },
    });
    expect(parseIndexDefinition('CREATE UNIQUE INDEX b ON public.coupons USING btree (upper((code)::text))').keys[0]).toMatchObject({ kind: 'func', name: 'upper' });
  });
});

describe('values for a regular expression', () => {
  const random = () => {
    let state = 7;
    return () => ((state = (state * 16807) % 2147483647) / 2147483647);
  };

  it('generates values the pattern matches, for the forms a format uses', () => {
    for (const pattern of ['^[A-Z]{3}-[0-9]{5}$', '^[a-z][a-z0-9-]{2,62}$', '^[a-z]{2}(-[A-Z]{2})?$', '^INV-[A-Z0-9]{8}$', '^[[:alpha:]]+$', '^[^@]+@[^@]+\\.[a-z]{2,}$', likeToRegex('https://%')]) {
      const next = random();
      const node = parseRegex(pattern);
      const test = toJsRegExp(pattern, false)!;
      for (let i = 0; i < 50; i++) expect(generateMatch(node, next), pattern).toMatch(test);
    }
  });

  it('numbers distinct values through a fixed shape, as many as the shape holds', () => {
    const shape = uniqueShape(parseRegex('^[A-Z]{2}-[0-9]{2}$'));
    expect(capacityOf(shape)).toBe(26 * 26 * 100);
    const values = new Set(Array.from({ length: 1000 }, (_, n) => shapeValue(shape, n)));
    expect(values.size).toBe(1000);
    expect([...values].every((v) => /^[A-Z]{2}-[0-9]{2}$/.test(v))).toBe(true);
  });

  it('refuses what it cannot generate', () => {
    expect(() => parseRegex('^(?=a)b')).toThrow(/lookaround/);
    expect(() => parseRegex('(a)\\1')).toThrow(/the escape \\1/);
  });
});
