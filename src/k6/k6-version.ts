/**
 * The k6 release rehearse builds when none is installed, pinned here and only
 * here. k6 v2 lives at the module path go.k6.io/k6/v2.
 */
export const K6_MODULE = 'go.k6.io/k6/v2';
export const K6_VERSION = 'v2.0.0';
