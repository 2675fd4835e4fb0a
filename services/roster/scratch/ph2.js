const max = require('libphonenumber-js/max');
const min = require('libphonenumber-js/min');
const { Metadata } = require('libphonenumber-js/core');
const md = require('libphonenumber-js/metadata.max.json');
const N = 200000;
function bench(name, f) { const t = process.hrtime.bigint(); let ok = 0; for (let i = 0; i < N; i++) if (f('+628' + String(1200000000 + i * 37))) ok++; console.log(name, ok, (Number(process.hrtime.bigint() - t) / 1e3 / N).toFixed(2), 'us/op'); }
bench('max isValidPhoneNumber intl', (s) => max.isValidPhoneNumber(s));
bench('min isValidPhoneNumber intl', (s) => min.isValidPhoneNumber(s));
bench('max parse intl + country', (s) => { const p = max.parsePhoneNumberFromString(s); return p && p.isValid() && p.country === 'ID'; });
const m = new Metadata(md); m.selectNumberingPlan('ID');
const types = ['fixed_line','mobile','toll_free','premium_rate','personal_number','voicemail','uan','pager','voip','shared_cost'];
const pats = types.map(t => m.numberingPlan.type(t)).filter(Boolean).map(t => t.pattern());
console.log(m.numberingPlan.nationalNumberPattern(), m.numberingPlan.possibleLengths(), pats.length);
const re = new RegExp('^(?:' + pats.join('|') + ')$');
bench('regex', (s) => re.test(s.slice(3)));
