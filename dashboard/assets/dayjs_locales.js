/* The date picker's calendar in the reader's language: dash-mantine-components' DatesProvider
   registers window["dayjs_locale_" + code] with its dayjs (components/plan_change_form.py).
   Served from here, never downloaded. Names from CLDR, as Babel gives them (a test keeps them
   the same); English is dayjs's own. */
window.dayjs_locale_fr = {
  name: "fr",
  weekdays: ["dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"],
  weekdaysShort: ["dim.", "lun.", "mar.", "mer.", "jeu.", "ven.", "sam."],
  weekdaysMin: ["di", "lu", "ma", "me", "je", "ve", "sa"],
  months: ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
    "octobre", "novembre", "décembre"],
  monthsShort: ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.",
    "nov.", "déc."],
  weekStart: 1,
  yearStart: 4,
  formats: {
    LT: "HH:mm", LTS: "HH:mm:ss", L: "DD/MM/YYYY", LL: "D MMMM YYYY",
    LLL: "D MMMM YYYY HH:mm", LLLL: "dddd D MMMM YYYY HH:mm"
  }
};
