/* dvc-probe farm: a small single-page portal in the style of the Angular /vi/ family.
   Everything is rendered here from the JSON API under /api/; the served HTML is a shell. */
(function () {
  "use strict";
  var root = document.querySelector("app-root");
  var site = null;
  var first = true;

  function esc(text) {
    return String(text == null ? "" : text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function api(path) {
    return fetch("/api/" + path, { headers: { Accept: "application/json" } }).then(function (r) {
      return r.json().then(function (body) { return { status: r.status, body: body }; });
    });
  }
  function has(feature) { return site.features.indexOf(feature) >= 0; }
  function route() {
    var hash = location.hash.replace(/^#/, "");
    if (!hash && location.pathname.indexOf("/vi/") === 0) { hash = location.pathname + location.search; }
    var parts = hash.split("?");
    var params = {};
    (parts[1] || "").split("&").forEach(function (pair) {
      if (!pair) { return; }
      var kv = pair.split("=");
      params[decodeURIComponent(kv[0])] = decodeURIComponent((kv[1] || "").replace(/\+/g, " "));
    });
    return { path: parts[0].replace(/\/+$/, "") || "/vi/trang-chu", params: params };
  }
  function button(label) {
    if (has("button_names")) { return '<button type="submit" class="btn">' + esc(label) + "</button>"; }
    return '<button type="submit" class="btn btn-icon"><svg width="16" height="16" viewBox="0 0 16 16" ' +
      'aria-hidden="true"><circle cx="7" cy="7" r="5" fill="none" stroke="currentColor" stroke-width="2"/></svg></button>';
  }
  function field(id, name, label, value, hint, hiddenLabel) {
    var described = hint ? ' aria-describedby="' + id + '-hint"' : "";
    var hintHtml = hint ? '<span class="hint" id="' + id + '-hint">' + esc(hint) + "</span>" : "";
    var input = '<input type="text" id="' + id + '" name="' + name + '" value="' + esc(value || "") + '"' + described + ">";
    var labelClass = hiddenLabel ? ' class="visually-hidden"' : "";
    var labelHtml = has("labels") ? '<label for="' + id + '"' + labelClass + ">" + esc(label) + "</label>" : "";
    return '<span class="field">' + labelHtml + input + hintHtml + "</span>";
  }
  function badge(item) {
    return '<span class="badge badge-' + (item.toan_trinh ? "full" : "part") + '">' + esc(item.level_short) + "</span>";
  }
  function link(path, text) { return '<a href="#' + path + '">' + esc(text) + "</a>"; }

  function frame(current, title, main) {
    var nav = site.nav.map(function (item) {
      var cur = item.route === current ? ' aria-current="page"' : "";
      var href = item.href || "#" + item.route;
      return '<li><a href="' + esc(href) + '"' + cur + (item.href ? ' class="login"' : "") + ">" + esc(item.label) + "</a></li>";
    }).join("");
    var hotline = site.hotline ? '<p class="hotline">Tổng đài hỗ trợ: ' + esc(site.hotline) + "</p>" : "";
    var search = has("search") ? '<form class="top-search" role="search" method="get" action="/vi/tim-kiem" data-route="/vi/tim-kiem">' +
      field("top-q", "q", "Tìm kiếm thủ tục hành chính", "", "", true) + button("Tìm kiếm") + "</form>" : "";
    var footer = site.footer.map(function (row) { return "<li><strong>" + esc(row[0]) + ":</strong> " + esc(row[1]) + "</li>"; }).join("");
    document.title = title + " - " + site.system_name;
    root.innerHTML =
      '<header class="site-header"><div class="topbar container">' + hotline + search + "</div>" +
      '<div class="container"><a class="brand" href="#/vi/trang-chu">' +
      '<svg class="emblem" viewBox="0 0 64 64" role="img" aria-label="Quốc huy"><circle cx="32" cy="32" r="31" fill="#f2c200"/>' +
      '<circle cx="32" cy="32" r="26" fill="#c8102e"/><polygon points="32,12 37.3,26.8 53,27.2 40.6,36.8 45.1,52 32,43 18.9,52 23.4,36.8 11,27.2 26.7,26.8" fill="#f2c200"/></svg>' +
      '<span class="brand-text"><span class="agency">' + esc(site.header_title) + '</span><span class="system">' +
      esc(site.system_name) + "</span></span></a></div>" +
      '<nav class="main-nav" aria-label="Điều hướng chính"><ul class="container">' + nav + "</ul></nav></header>" +
      '<main id="noi-dung" class="container">' + main + "</main>" +
      '<footer class="site-footer"><div class="container"><ul class="contact">' + footer + "</ul>" +
      '<p class="meta">© 2025 ' + esc(site.system_name) + ". Đơn vị phát triển: " + esc(site.vendor) + ".</p></div></footer>";
  }

  function table(items, first, withSubmit) {
    var rows = items.map(function (item, i) {
      var submit = withSubmit ? '<td><a class="btn btn-small" href="#/vi/nop-ho-so/' + esc(item.ma) +
        '" aria-label="' + esc("Nộp hồ sơ: " + item.name) + '">Nộp hồ sơ</a></td>' : "";
      return "<tr><td>" + (first + i) + '</td><td class="code">' + esc(item.ma) + "</td><td>" +
        link("/vi/thu-tuc/" + item.ma, item.name) + "</td><td>" + esc(item.field) + "</td><td>" + badge(item) + "</td>" + submit + "</tr>";
    }).join("");
    return '<div class="table-wrap" role="region" aria-label="Danh sách thủ tục" tabindex="0"><table class="table">' +
      '<caption>Danh sách thủ tục</caption><thead><tr><th scope="col">STT</th><th scope="col">Mã thủ tục</th>' +
      '<th scope="col">Tên thủ tục</th><th scope="col">Lĩnh vực</th><th scope="col">Mức độ</th>' +
      (withSubmit ? '<th scope="col">Nộp hồ sơ</th>' : "") + "</tr></thead><tbody>" + rows + "</tbody></table></div>";
  }
  function pager(base, page, pages) {
    if (pages <= 1) { return ""; }
    var items = [];
    if (page > 1) { items.push('<li><a href="#' + base + "?page=" + (page - 1) + '" rel="prev">« Trang trước</a></li>'); }
    for (var n = 1; n <= pages; n++) {
      items.push('<li><a href="#' + base + "?page=" + n + '"' + (n === page ? ' aria-current="page"' : ' aria-label="Trang ' + n + '"') + ">" + n + "</a></li>");
    }
    if (page < pages) { items.push('<li><a href="#' + base + "?page=" + (page + 1) + '" rel="next">Trang sau »</a></li>'); }
    return '<nav class="pagination" aria-label="Phân trang"><ul>' + items.join("") + "</ul></nav>";
  }
  function procList(items) {
    return '<ul class="proc-list">' + items.map(function (item) {
      return "<li>" + link("/vi/thu-tuc/" + item.ma, item.name) + " " + badge(item) + "</li>";
    }).join("") + "</ul>";
  }
  function notFound(path) {
    frame(path, "Không tìm thấy trang", "<h1>Không tìm thấy trang</h1><p>Trang bạn yêu cầu không tồn tại. " +
      link("/vi/trang-chu", "Về trang chủ") + "</p>");
  }
  function postForm(action, inner, label) {
    return '<form class="form" method="post" action="' + action + '">' + inner + button(label) +
      '</form><p class="hint">Bản thử nghiệm: chức năng gửi không khả dụng.</p>';
  }

  var views = {
    "/vi/trang-chu": function (r) {
      return api("home").then(function (res) {
        var b = res.body;
        var search = has("search") ? '<form class="hero-search" role="search" method="get" action="/vi/tim-kiem" data-route="/vi/tim-kiem">' +
          field("hero-q", "q", "Nhập tên thủ tục hành chính cần tìm", "") + button("Tìm kiếm") + "</form>" : "";
        var tiles = site.nav.filter(function (n) { return n.route && n.route !== "/vi/trang-chu"; }).map(function (n) {
          return '<li><a class="tile" href="#' + n.route + '">' + esc(n.label) + "</a></li>";
        }).join("");
        frame(r.path, "Trang chủ", '<section class="hero"><div class="hero-text"><h1>' + esc(site.system_name) + "</h1>" +
          "<p>Kết nối, cung cấp thông tin và dịch vụ công mọi lúc, mọi nơi</p>" + search + "</div></section>" +
          '<section><h2>Tiện ích</h2><ul class="tiles">' + tiles + "</ul></section>" +
          "<section><h2>Dịch vụ công trực tuyến nổi bật</h2>" + procList(b.featured) + "</section>" +
          '<section><h2>Thông báo</h2><ul class="notices">' + b.notices.map(function (n) { return "<li>" + esc(n) + "</li>"; }).join("") + "</ul></section>");
      });
    },
    "/vi/thu-tuc": function (r) { return listing(r, "/vi/thu-tuc", "Thủ tục hành chính", false); },
    "/vi/dich-vu-cong": function (r) { return listing(r, "/vi/dich-vu-cong", "Dịch vụ công trực tuyến", true); },
    "/vi/tim-kiem": function (r) {
      var q = r.params.q || "";
      var form = '<form class="form-inline" role="search" method="get" action="/vi/tim-kiem" data-route="/vi/tim-kiem">' +
        field("q", "q", "Từ khóa tìm kiếm", q) + button("Tìm kiếm") + "</form>";
      if (!q) { frame(r.path, "Tìm kiếm thủ tục hành chính", "<h1>Tìm kiếm thủ tục hành chính</h1>" + form); return null; }
      return api("procedures/search?q=" + encodeURIComponent(q)).then(function (res) {
        var items = res.body.items || [];
        var out = items.length ? "<p>Tìm thấy " + items.length + " thủ tục phù hợp với từ khóa “" + esc(q) + "”.</p>" + procList(items)
          : '<div class="alert alert-info" role="status">Không tìm thấy thủ tục phù hợp với từ khóa “' + esc(q) + "”.</div>";
        frame(r.path, "Kết quả tìm kiếm: " + q, "<h1>Tìm kiếm thủ tục hành chính</h1>" + form + out);
      });
    },
    "/vi/tra-cuu-ho-so": function (r) {
      var code = r.params.ma_ho_so || "";
      var form = '<form class="form-inline" method="get" action="/vi/tra-cuu-ho-so" data-route="/vi/tra-cuu-ho-so">' +
        field("ma-ho-so", "ma_ho_so", "Mã hồ sơ", code, "Ví dụ: " + site.lookup_example) + button("Tra cứu") + "</form>";
      var head = "<h1>Tra cứu hồ sơ</h1><p>Nhập mã hồ sơ in trên Giấy tiếp nhận để xem tiến độ.</p>" + form;
      if (!code) { frame(r.path, "Tra cứu hồ sơ", head); return null; }
      return api("dossiers?ma_ho_so=" + encodeURIComponent(code)).then(function (res) {
        var out;
        if (res.body.found) {
          var d = res.body.dossier;
          var rows = [["Mã hồ sơ", d.code], ["Thủ tục", d.procedure], ["Người nộp", d.applicant], ["Ngày tiếp nhận", d.received],
            ["Ngày hẹn trả", d.due], ["Trạng thái", d.status], ["Ghi chú", d.note]].map(function (row) {
            return '<tr><th scope="row">' + esc(row[0]) + "</th><td>" + esc(row[1]) + "</td></tr>";
          }).join("");
          out = '<p class="status">Trạng thái: <strong>' + esc(d.status) + "</strong></p>" +
            '<div class="table-wrap" role="region" aria-label="Thông tin hồ sơ" tabindex="0"><table class="table"><caption>Thông tin hồ sơ</caption><tbody>' + rows + "</tbody></table></div>";
        } else {
          out = '<div class="alert alert-warning" role="status">' + esc(res.body.message) + "</div>";
        }
        frame(r.path, "Tra cứu hồ sơ " + code, head + '<div class="lookup-result">' + out + "</div>");
      });
    },
    "/vi/thanh-toan": function (r) {
      frame(r.path, "Thanh toán trực tuyến", "<h1>Thanh toán trực tuyến</h1><p>Thanh toán phí, lệ phí qua Nền tảng thanh toán trực tuyến " +
        "của Cổng Dịch vụ công quốc gia.</p><p><a class=\"btn\" href=\"" + esc(site.payment_url) + "\">Thanh toán qua Nền tảng thanh toán trực tuyến</a></p>");
      return null;
    },
    "/vi/danh-gia": function (r) {
      var radios = site.rating_levels.map(function (level) {
        return '<label class="radio"><input type="radio" name="muc_do" value="' + esc(level) + '"> ' + esc(level) + "</label>";
      }).join("");
      frame(r.path, "Đánh giá sự hài lòng", "<h1>Đánh giá sự hài lòng</h1>" + postForm("/vi/danh-gia",
        field("dg-ma", "ma_ho_so", "Mã hồ sơ", "") + "<fieldset><legend>Mức độ hài lòng</legend>" + radios + "</fieldset>", "Gửi đánh giá"));
      return null;
    },
    "/vi/phan-anh-kien-nghi": function (r) {
      frame(r.path, "Phản ánh, kiến nghị", "<h1>Phản ánh, kiến nghị</h1>" + postForm("/vi/phan-anh-kien-nghi",
        field("pa-ten", "ho_ten", "Họ và tên", "") + field("pa-email", "email", "Thư điện tử", "") +
        field("pa-tieu-de", "tieu_de", "Tiêu đề", "") + '<span class="field"><label for="pa-nd">Nội dung</label>' +
        '<textarea id="pa-nd" name="noi_dung" rows="5"></textarea></span>', "Gửi phản ánh"));
      return null;
    },
    "/vi/hoi-dap": function (r) {
      return api("faq").then(function (res) {
        frame(r.path, "Hỏi đáp", "<h1>Hỏi đáp</h1>" + res.body.items.map(function (qa) {
          return "<details><summary>" + esc(qa[0]) + "</summary><p>" + esc(qa[1]) + "</p></details>";
        }).join(""));
      });
    },
    "/vi/huong-dan": function (r) {
      return api("guides").then(function (res) {
        frame(r.path, "Hướng dẫn sử dụng", "<h1>Hướng dẫn sử dụng</h1>" + res.body.items.map(function (g) {
          return '<section class="card"><h2>' + esc(g[0]) + "</h2><p>" + esc(g[1]) + "</p></section>";
        }).join(""));
      });
    },
    "/vi/thong-ke": function (r) {
      return api("statistics").then(function (res) {
        if (res.status !== 200) { notFound(r.path); return; }
        var rows = res.body.rows.map(function (row) { return '<tr><th scope="row">' + esc(row[0]) + "</th><td>" + esc(row[1]) + "</td></tr>"; }).join("");
        frame(r.path, "Thống kê", "<h1>Thống kê tình hình giải quyết hồ sơ</h1><div class=\"table-wrap\" role=\"region\" aria-label=\"Thống kê\" tabindex=\"0\">" +
          "<table class=\"table\"><caption>Thống kê giải quyết hồ sơ năm 2025</caption><tbody>" + rows + "</tbody></table></div>");
      });
    },
    "/vi/gioi-thieu": function (r) {
      frame(r.path, "Giới thiệu", "<h1>Giới thiệu</h1><p>" + esc(site.system_name) + " cung cấp thông tin thủ tục hành chính và dịch vụ công trực tuyến của " +
        esc(site.governing_body) + ".</p>");
      return null;
    }
  };
  var needs = { "/vi/thu-tuc": "catalogue", "/vi/dich-vu-cong": "submission", "/vi/tim-kiem": "search",
    "/vi/tra-cuu-ho-so": "lookup", "/vi/thanh-toan": "payment", "/vi/danh-gia": "rating",
    "/vi/phan-anh-kien-nghi": "feedback", "/vi/hoi-dap": "faq", "/vi/huong-dan": "guides", "/vi/thong-ke": "statistics" };

  function listing(r, base, title, withSubmit) {
    var page = parseInt(r.params.page || "1", 10) || 1;
    return api("procedures?page=" + page).then(function (res) {
      var b = res.body;
      frame(base, title + " - Trang " + b.page, "<h1>" + esc(title) + '</h1><p class="meta">Tổng số ' + b.total + " thủ tục · trang " +
        b.page + "/" + b.pages + "</p>" + table(b.items, (b.page - 1) * b.size + 1, withSubmit) + pager(base, b.page, b.pages));
    });
  }
  function procedureView(r, ma, submit) {
    return api("procedures/" + encodeURIComponent(ma)).then(function (res) {
      if (res.status !== 200) { notFound(r.path); return; }
      var p = res.body;
      if (submit) {
        frame(r.path, "Nộp hồ sơ: " + p.name, "<h1>Nộp hồ sơ trực tuyến</h1><p><strong>" + esc(p.name) + "</strong> " + badge(p) + "</p>" +
          "<p>Vui lòng đăng nhập trước khi nộp hồ sơ.</p>" + postForm("/vi/nop-ho-so/" + esc(p.ma),
            field("nh-ten", "ho_ten", "Họ và tên người nộp", "") + field("nh-dd", "so_dinh_danh", "Số định danh cá nhân", ""), "Nộp hồ sơ"));
        return;
      }
      var rows = [["Mã thủ tục", esc(p.ma)], ["Tên thủ tục", esc(p.name)], ["Lĩnh vực", esc(p.field)], ["Cơ quan thực hiện", esc(p.agency)],
        ["Mức độ", "<strong>" + esc(p.level_label) + "</strong>"],
        ["Trình tự thực hiện", "<ol>" + p.steps.map(function (s) { return "<li>" + esc(s) + "</li>"; }).join("") + "</ol>"],
        ["Thành phần hồ sơ", "<ol>" + p.documents.map(function (s) { return "<li>" + esc(s) + "</li>"; }).join("") + "</ol>"],
        ["Phí, lệ phí", esc(p.fee)], ["Thời hạn giải quyết", esc(p.deadline)]].filter(function (row) { return row[1] !== ""; });
      var dl = rows.map(function (row) { return "<dt>" + row[0] + "</dt><dd>" + row[1] + "</dd>"; }).join("");
      var apply = has("submission") ? '<p><a class="btn" href="#/vi/nop-ho-so/' + esc(p.ma) + '">Nộp hồ sơ trực tuyến</a></p>' : "";
      frame(r.path, p.name, "<h1>" + esc(p.name) + '</h1><dl class="details">' + dl + "</dl>" + apply);
    });
  }

  function render() {
    var r = route();
    var done;
    var match = /^\/vi\/(thu-tuc|nop-ho-so)\/(.+)$/.exec(r.path);
    if (match && has(match[1] === "thu-tuc" ? "catalogue" : "submission")) {
      done = procedureView(r, decodeURIComponent(match[2]), match[1] === "nop-ho-so");
    } else if (views[r.path] && (!needs[r.path] || has(needs[r.path]))) {
      done = views[r.path](r);
    } else {
      notFound(r.path);
    }
    Promise.resolve(done).then(function () {
      window.scrollTo(0, 0);
      if (!first && window._govaq) {
        window._govaq.push(["setCustomUrl", location.href]);
        window._govaq.push(["trackPageView"]);
      }
      first = false;
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var target = form.getAttribute("data-route");
    if (!target) { return; }
    event.preventDefault();
    var input = form.querySelector("input[name]");
    location.hash = "#" + target + "?" + input.name + "=" + encodeURIComponent(input.value.trim());
  });
  window.addEventListener("hashchange", render);
  api("site").then(function (res) { site = res.body; render(); });
})();
