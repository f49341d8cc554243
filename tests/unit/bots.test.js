// Unit tests of js/sdk/bots.js: the compact user-agent pattern the page carries agrees with
// isbot (the well-kept list it is cut from, 1.7 KB gzip in a page) on common bots, crawlers,
// monitors, link previews and automation, and on the browsers people use; navigator.webdriver,
// headless globals and the site's own botPatterns filter too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isbot } from 'isbot';
import { BOT_UA, botReason, validPatterns } from '../../js/sdk/bots.js';

const BOTS = [
  'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; Googlebot/2.1; +http://www.google.com/bot.html) Chrome/130.0.6723.69 Safari/537.36',
  'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)',
  'Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)',
  'Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)',
  'DuckDuckBot/1.1; (+http://duckduckgo.com/duckduckbot.html)',
  'Mozilla/5.0 (compatible; Yahoo! Slurp; http://help.yahoo.com/help/us/ysearch/slurp)',
  'Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)',
  'Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.1.1 Safari/605.1.15 (Applebot/0.1; +http://www.apple.com/go/applebot)',
  'facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)',
  'Twitterbot/1.0',
  'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)',
  'Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)',
  'WhatsApp/2.23.20.0',
  'TelegramBot (like TwitterBot)',
  'LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)',
  'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)',
  'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; ClaudeBot/1.0; +claudebot@anthropic.com)',
  'CCBot/2.0 (https://commoncrawl.org/faq/)',
  'ia_archiver (+http://www.alexa.com/site/help/webmasters; crawler@alexa.com)',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Chrome-Lighthouse',
  'Mozilla/5.0 (Unknown; Linux x86_64) AppleWebKit/538.1 (KHTML, like Gecko) PhantomJS/2.1.1 Safari/538.1',
  'Pingdom.com_bot_version_1.4_(http://www.pingdom.com/)',
  'Mozilla/5.0 (compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)',
  'python-requests/2.31.0',
  'curl/8.4.0',
  'Wget/1.21.4',
  'Go-http-client/1.1',
  'okhttp/4.12.0',
  'axios/1.6.2',
  'node-fetch/1.0 (+https://github.com/bitinn/node-fetch)',
  'Java/17.0.2',
  'Apache-HttpClient/4.5.14 (Java/17.0.8)',
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Cypress/13.6.0 Chrome/118.0.5993.159 Electron/27.1.3 Safari/537.36',
];

const PEOPLE = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0',
  'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.81 Mobile Safari/537.36',
  'Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36',
  'Mozilla/5.0 (Linux; Android 12; CUBOT_X50 Build/SP1A.210812.016) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 OPR/115.0.0.0',
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Safari/605.1.15',
  'Mozilla/5.0 (iPad; CPU OS 17_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.7 Mobile/15E148 Safari/604.1',
];

const nav = (userAgent, extra = {}) => ({ userAgent, webdriver: false, ...extra });

test('bots, crawlers, monitors, previews and automation: isbot and the page agree', () => {
  for (const ua of BOTS) {
    assert.equal(isbot(ua), true, `isbot: ${ua}`);
    assert.ok(BOT_UA.test(ua), `the page's pattern misses ${ua}`);
    assert.notEqual(botReason(nav(ua), {}), '');
  }
});

test('the browsers people use are not bots, for either', () => {
  for (const ua of PEOPLE) {
    assert.equal(isbot(ua), false, `isbot: ${ua}`);
    assert.ok(!BOT_UA.test(ua), `the page's pattern flags ${ua}`);
    assert.equal(botReason(nav(ua), {}), '');
  }
});

test('navigator.webdriver and the globals headless tools leave filter a browser-looking page', () => {
  const person = PEOPLE[0];
  assert.equal(botReason(nav(person, { webdriver: true }), {}), 'navigator.webdriver');
  for (const mark of ['_phantom', 'callPhantom', '__nightmare']) assert.notEqual(botReason(nav(person), { [mark]: {} }), '', mark);
});

test("the site's botPatterns: strings anywhere, case-insensitively, and RegExps", () => {
  const ua = `${PEOPLE[0]} AcmeWatch/2`;
  assert.equal(botReason(nav(PEOPLE[0]), {}, ["acmewatch"]), '');
  assert.equal(botReason(nav(ua), {}, ["acmewatch"]), 'botPatterns');
  assert.equal(botReason(nav(ua), {}, [/Acme\w+\/\d/]), 'botPatterns');
  assert.equal(botReason(nav(ua), {}, ['other', /nomatch/]), '');
  assert.ok(validPatterns(undefined) && validPatterns(null) && validPatterns([]) && validPatterns(['a', /b/]));
  for (const bad of ['acme', [42], [{}], {}, [null]]) assert.equal(validPatterns(bad), false, JSON.stringify(bad));
});

test('the pattern parses in engines without lookbehind (no (?<…) in it)', () => {
  assert.ok(!BOT_UA.source.includes('(?<'));
});
