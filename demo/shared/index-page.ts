// The landing page: one card per demo page, and the backend picker.
import { byId, h } from './dom.js';
import { mountLayout, PAGES } from './layout.js';
import { publish } from './state.js';

const picker = mountLayout('index');
byId('cards').append(...PAGES.map((p) => h('a', { class: 'card', href: `./${p.id}.html`, 'data-keep-backend': true }, h('h2', {}, p.title), h('p', {}, p.blurb))));
// picker.start() writes the current ?backend= into every data-keep-backend link.
await picker.start();
publish('ready', true);
