/* Component libraries only some pages use (AG Grid: the ward board) are not in every page's
   scripts; dashboard/page_scripts.py names them and their bundles in the JSON block
   #tw-lazy-libraries. Until a page first shows one of their components, each library is a
   stand-in namespace: its component loads the bundle, waits for it, then draws the real
   component with the same props. Dash looks a component up on window[namespace] at every
   render, so the stand-in namespace stays in place (the bundle's own assignment is caught)
   and the component type never changes under React (which would remount the grid). */
(function () {
  "use strict";

  var block = document.getElementById("tw-lazy-libraries");
  if (!block) {
    return;
  }
  var libraries = JSON.parse(block.textContent);
  var React = window.React;
  // What Dash's renderer reads on a component class; copied once the real one is known.
  var STATICS = ["dashPersistence", "defaultProps", "dashRenderType", "dashChildrenUpdate", "propTypes"];

  function standIn(namespace, spec) {
    var real = null;
    var loading = null;
    var shown = {};

    function load() {
      if (!loading) {
        loading = new Promise(function (resolve, reject) {
          var script = document.createElement("script");
          script.src = spec.url;
          script.async = false;
          script.onload = function () {
            if (real) {
              resolve(real);
            } else {
              reject(new Error(namespace + " loaded without defining its components"));
            }
          };
          script.onerror = function () {
            loading = null; // the next render tries again (a dropped connection)
            reject(new Error("could not load " + spec.url));
          };
          document.head.appendChild(script);
        });
      }
      return loading;
    }

    function adopt(value) {
      real = value;
      Object.keys(value).forEach(function (key) {
        if (spec.components.indexOf(key) < 0) {
          shown[key] = value[key]; // helpers such as getApi
        }
      });
      spec.components.forEach(function (name) {
        STATICS.forEach(function (key) {
          if (value[name] && value[name][key] !== undefined) {
            shown[name][key] = value[name][key];
          }
        });
      });
    }

    spec.components.forEach(function (name) {
      var Loaded = React.lazy(function () {
        return load().then(function (lib) {
          return { default: lib[name] };
        });
      });
      function Component(props) {
        return React.createElement(React.Suspense, { fallback: null }, React.createElement(Loaded, props));
      }
      Component.displayName = "Lazy" + name;
      Component.dashRenderType = true;
      // Dash waits for this before running a callback that involves the component.
      Object.defineProperty(Component, "_dashprivate_isLazyComponentReady", {
        get: function () {
          return real ? true : load();
        },
      });
      shown[name] = Component;
    });

    Object.defineProperty(window, namespace, {
      configurable: true,
      get: function () {
        return shown;
      },
      set: adopt,
    });
  }

  Object.keys(libraries).forEach(function (namespace) {
    standIn(namespace, libraries[namespace]);
  });
})();
