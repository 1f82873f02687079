for (const button of document.querySelectorAll('button.copy')) {
  button.addEventListener('click', () => {
    const code = document.getElementById(button.dataset.for);
    const done = () => { button.textContent = button.dataset.done; };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(code.innerText).then(done, () => {});
    } else {
      const range = document.createRange(); range.selectNodeContents(code);
      const sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(range);
      try { if (document.execCommand('copy')) done(); } catch (e) { /* selected: copy by hand */ }
    }
  });
}
