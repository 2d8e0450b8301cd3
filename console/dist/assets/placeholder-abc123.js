document.getElementById("root").dataset.placeholder = "true";
