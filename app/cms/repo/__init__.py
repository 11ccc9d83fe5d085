"""All SQL of the CMS, one module per feature (`blog`, `testimonials`, `reviews`). Never commits;
batch reads take a list of keys and return one entry per key in key order with one statement per
batch."""
