import { Faker, en, en_GB, base } from '@faker-js/faker';
import type { FakeKind } from './model.ts';

/**
 * faker costs microseconds per call, too slow for tens of millions of rows.
 * Each kind is drawn once into a pool (deterministically: faker is seeded
 * with a constant) and rows index into the pool with the fast PRNG.
 */
const POOL_SIZES: Record<FakeKind, number> = {
  firstName: 2_000, lastName: 2_000, fullName: 4_000, email: 4_000, phone: 8_000, town: 1_000, street: 4_000,
  postcode: 4_000, country: 200, company: 2_000, jobTitle: 1_000, subject: 40, word: 2_000, words: 4_000,
  sentence: 4_000, paragraph: 2_000, url: 2_000, username: 4_000, colour: 50, hex: 4_000, ipv4: 4_000,
  noun: 4_000, adjective: 3_000, phrase: 8_000, catchPhrase: 4_000, productName: 4_000, department: 500, domainName: 2_000,
};

const SUBJECTS = [
  'English', 'Mathematics', 'Biology', 'Chemistry', 'Physics', 'History', 'Geography', 'French', 'Spanish', 'German',
  'Art', 'Music', 'Drama', 'Computing', 'Design and Technology', 'Physical Education', 'Religious Studies',
  'Economics', 'Psychology', 'Sociology', 'Latin', 'Food Technology', 'Media Studies', 'Business Studies',
];

function draw(faker: Faker, kind: FakeKind): string {
  switch (kind) {
    case 'firstName': return faker.person.firstName();
    case 'lastName': return faker.person.lastName();
    case 'fullName': return faker.person.fullName();
    case 'email': return faker.internet.email().toLowerCase();
    case 'phone': return faker.phone.number({ style: 'national' });
    case 'town': return faker.location.city();
    case 'street': return faker.location.streetAddress();
    case 'postcode': return faker.location.zipCode();
    case 'country': return faker.location.country();
    case 'company': return faker.company.name();
    case 'jobTitle': return faker.person.jobTitle();
    case 'subject': return faker.helpers.arrayElement(SUBJECTS);
    case 'word': return faker.lorem.word();
    case 'words': return faker.lorem.words({ min: 2, max: 5 });
    case 'sentence': return faker.lorem.sentence();
    case 'paragraph': return faker.lorem.paragraph({ min: 2, max: 6 });
    case 'url': return faker.internet.url();
    case 'username': return faker.internet.username().toLowerCase();
    case 'colour': return faker.color.human();
    case 'hex': return faker.string.hexadecimal({ length: 16, casing: 'lower', prefix: '' });
    case 'ipv4': return faker.internet.ipv4();
    case 'noun': return faker.word.noun();
    case 'adjective': return faker.word.adjective();
    case 'phrase': return faker.hacker.phrase();
    case 'catchPhrase': return faker.company.catchPhrase();
    case 'productName': return faker.commerce.productName();
    case 'department': return faker.commerce.department();
    case 'domainName': return faker.internet.domainName();
  }
}

const pools = new Map<FakeKind, readonly string[]>();
const distinctPools = new Map<FakeKind, readonly string[]>();

/** The pool of values for a kind, built on first use. Same values in every process. */
export function valuePool(kind: FakeKind): readonly string[] {
  const cached = pools.get(kind);
  if (cached) return cached;
  const faker = new Faker({ locale: [en_GB, en, base], seed: 20_240_917 + kind.length * 7919 + kind.charCodeAt(0) });
  const pool = kind === 'subject' ? SUBJECTS : Array.from({ length: POOL_SIZES[kind] }, () => draw(faker, kind));
  pools.set(kind, pool);
  return pool;
}

/** The different values of a kind's pool, in pool order: what a unique column can draw without a suffix. */
export function distinctValues(kind: FakeKind): readonly string[] {
  let distinct = distinctPools.get(kind);
  if (!distinct) distinctPools.set(kind, (distinct = [...new Set(valuePool(kind))]));
  return distinct;
}
