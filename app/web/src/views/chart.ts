// Candles with volume (lightweight-charts) at 1m / 5m / 1h / 1d, live from
// the feed's candles channel; and the 24-hour figures from the hourly candles.
import { CandlestickSeries, createChart, HistogramSeries, type IChartApi, type ISeriesApi, type UTCTimestamp } from 'lightweight-charts';

import { compareBigint, parseCandle, type Candle, type wire } from '@orderbook/client';

import type { ChannelMessage } from '../feed';
import type { Units } from '../units';

export const RESOLUTIONS = [
  { seconds: 60, label: '1m' },
  { seconds: 300, label: '5m' },
  { seconds: 3600, label: '1h' },
  { seconds: 86400, label: '1d' },
] as const;

/** A candle's width and gap at the default zoom, in CSS pixels. */
const BAR_SPACING_PX = 10;

export class CandleChart {
  private readonly chart: IChartApi;
  private readonly candles: ISeriesApi<'Candlestick'>;
  private readonly volume: ISeriesApi<'Histogram'>;

  constructor(
    element: HTMLElement,
    private readonly units: Units,
  ) {
    this.chart = createChart(element, {
      autoSize: true,
      // The logo would sit over the plot; the page credits the library in its footer instead.
      layout: { background: { color: 'transparent' }, textColor: '#8a94a3', attributionLogo: false },
      grid: { vertLines: { color: '#1e242c' }, horzLines: { color: '#1e242c' } },
      // A young market's few candles start at the left edge at a readable
      // width, not as one sliver at the right; room on the right for the
      // last candle's time label.
      timeScale: { timeVisible: true, secondsVisible: false, fixLeftEdge: true, rightOffset: 4, barSpacing: BAR_SPACING_PX, maxBarSpacing: 16 },
    });
    this.candles = this.chart.addSeries(CandlestickSeries, {
      upColor: '#2ebd85',
      downColor: '#f6465d',
      borderVisible: false,
      wickUpColor: '#2ebd85',
      wickDownColor: '#f6465d',
      priceFormat: { type: 'price', precision: Math.min(units.priceDigits, 10), minMove: 10 ** -Math.min(units.priceDigits, 10) },
    });
    this.volume = this.chart.addSeries(HistogramSeries, { priceScaleId: 'volume', priceFormat: { type: 'volume' }, color: '#3d7eff66', lastValueVisible: false, priceLineVisible: false });
    this.chart.priceScale('volume').applyOptions({ scaleMargins: { top: 0.8, bottom: 0 } });
  }

  apply(message: ChannelMessage): void {
    const candles = (message.data as wire.CandlesData).candles.map(parseCandle);
    if (message.type === 'snapshot') {
      this.candles.setData(candles.map((c) => this.bar(c)));
      this.volume.setData(candles.map((c) => this.bin(c)));
      // All of them when they fit at a readable width; else the latest.
      const time = this.chart.timeScale();
      if (candles.length * BAR_SPACING_PX <= time.width()) time.fitContent();
      else time.scrollToRealTime();
    } else {
      for (const candle of candles) {
        this.candles.update(this.bar(candle));
        this.volume.update(this.bin(candle));
      }
    }
  }

  remove(): void {
    this.chart.remove();
  }

  private bar(c: Candle) {
    const price = (ticks: bigint) => this.units.priceNumber(ticks);
    return { time: c.start as UTCTimestamp, open: price(c.open), high: price(c.high), low: price(c.low), close: price(c.close) };
  }

  private bin(c: Candle) {
    return { time: c.start as UTCTimestamp, value: this.units.sizeNumber(c.base_lots), color: c.close >= c.open ? '#2ebd8566' : '#f6465d66' };
  }
}

/** Last price, 24h change, high, low and volume from hourly candles (kept by start time). */
export class DayStats {
  private readonly hours = new Map<number, Candle>();

  constructor(
    private readonly element: HTMLElement,
    private readonly units: Units,
  ) {}

  apply(message: ChannelMessage): void {
    const candles = (message.data as wire.CandlesData).candles.map(parseCandle);
    if (message.type === 'snapshot') this.hours.clear();
    for (const candle of candles) this.hours.set(candle.start, candle);
    this.draw();
  }

  private draw(): void {
    const since = Date.now() / 1000 - 86_400;
    const day = [...this.hours.values()].filter((c) => c.start + 3600 > since).sort((a, b) => a.start - b.start);
    const last = [...this.hours.values()].sort((a, b) => a.start - b.start).at(-1);
    // Text only (labels carry mint-derived names): no markup from data.
    const cell = (label: string, value: string, cls = '') => {
      const div = document.createElement('div');
      const name = document.createElement('span');
      name.textContent = label;
      const figure = document.createElement('b');
      figure.textContent = value;
      if (cls) figure.className = cls;
      div.append(name, figure);
      return div;
    };
    if (!last) {
      this.element.replaceChildren(cell('Last price', '—'), cell('24h', 'no trades yet'));
      return;
    }
    const first = day[0];
    const change = first ? (Number(last.close - first.open) / Number(first.open)) * 100 : 0;
    const volume = day.reduce((sum, c) => sum + c.base_lots, 0n);
    const quoteVolume = day.reduce((sum, c) => sum + c.quote, 0n);
    const extreme = (pick: (c: Candle) => bigint, order: 1 | -1) => day.map(pick).sort((a, b) => order * compareBigint(a, b))[0];
    this.element.replaceChildren(
      cell('Last price', this.units.price(last.close)),
      cell('24h change', `${change >= 0 ? '+' : ''}${change.toFixed(2)}%`, change >= 0 ? 'bid' : 'ask'),
      cell('24h high', day.length ? this.units.price(extreme((c) => c.high, -1)) : '—'),
      cell('24h low', day.length ? this.units.price(extreme((c) => c.low, 1)) : '—'),
      cell(`24h volume (${this.units.base})`, this.units.size(volume)),
      cell(`24h volume (${this.units.quote})`, this.units.quoteAtoms(quoteVolume)),
    );
  }
}
