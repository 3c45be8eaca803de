/* The Cijfers charts (Chart.js from npm, served by the app). The numbers come from the page's
 * JSON block; suppressed cells ("< 5") are gaps, never drawn as a number. The tables beside
 * the charts carry the same figures for screen readers and keyboard users. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("cijfers-data").textContent);
  var colour = "#1f5f8b", anchorColour = "#b3261e";
  Chart.defaults.font.family = "system-ui, sans-serif";
  Chart.defaults.color = "#1a1a1a";
  Chart.defaults.animation = false;

  // The 50 % anchor as a dashed line across the whole chart (a plugin, so it also shows
  // with a single month).
  var anchorLine = {
    id: "ijkpunt",
    afterDatasetsDraw: function (chart, args, options) {
      if (options.value === undefined) { return; }
      var y = chart.scales.y.getPixelForValue(options.value), ctx = chart.ctx, area = chart.chartArea;
      ctx.save();
      ctx.strokeStyle = anchorColour; ctx.lineWidth = 2; ctx.setLineDash([6, 4]);
      ctx.beginPath(); ctx.moveTo(area.left, y); ctx.lineTo(area.right, y); ctx.stroke();
      ctx.fillStyle = anchorColour; ctx.textAlign = "right";
      ctx.fillText("IJkpunt " + options.value + " %", area.right - 4, y - 6);
      ctx.restore();
    }
  };

  function bars(id, labels, values, label, percent) {
    var canvas = document.getElementById(id);
    if (!canvas || !labels.length) { if (canvas) { canvas.hidden = true; } return; }
    var y = percent ? { min: 0, max: 100, title: { display: true, text: "%" } }
                    : { beginAtZero: true, ticks: { precision: 0 } };
    new Chart(canvas, {
      type: "bar",
      data: { labels: labels, datasets: [{ label: label, data: values, backgroundColor: colour }] },
      options: { responsive: true, maintainAspectRatio: false, scales: { y: y },
                 plugins: { legend: { display: false },
                            ijkpunt: percent ? { value: data.retention.anchor } : {} } },
      plugins: percent ? [anchorLine] : []
    });
  }

  bars("grafiek-trechter", data.funnel.labels, data.funnel.values, "Aantal");
  bars("grafiek-behoud", data.retention.labels, data.retention.values,
       "Doet mee na 6 maanden (%)", true);
  bars("grafiek-redenen", data.reasons.labels, data.reasons.values, "Aantal");
  document.documentElement.dataset.cijfers = "1";
})();
