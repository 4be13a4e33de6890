// Hubs of the chosen locality only: a hub list (`select[data-module="app-hub-filter"]`, grouped
// by locality in <optgroup>s, which is how it works without JavaScript) shows only the group
// whose label is the name of the locality chosen in the select named by data-locality-select.
// A hub of another locality that was chosen is unselected.
function filterHubs(hubs, locality, groups) {
  const chosen = locality.selectedIndex > 0 ? locality.options[locality.selectedIndex].text : "";
  const selected = hubs.value;
  for (const group of [...hubs.querySelectorAll("optgroup")]) group.remove();
  for (const group of groups) {
    if (!chosen || group.label === chosen) hubs.append(group.cloneNode(true));
  }
  hubs.value = [...hubs.options].some((option) => option.value === selected) ? selected : "";
}

for (const hubs of document.querySelectorAll('select[data-module="app-hub-filter"]')) {
  const locality = document.getElementById(hubs.dataset.localitySelect);
  if (!locality) continue;
  const groups = [...hubs.querySelectorAll("optgroup")].map((group) => group.cloneNode(true));
  locality.addEventListener("change", () => filterHubs(hubs, locality, groups));
  filterHubs(hubs, locality, groups);
}
