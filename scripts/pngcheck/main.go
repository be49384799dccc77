// Command pngcheck checks that a screenshot is not blank, and can write a
// cropped, scaled-down copy of it (scripts/html-shot.sh).
//
//	go run ./scripts/pngcheck [-min 0.02] [-out small.png -height 2400 -width 600] shot.png
//
// It prints the share of pixels that are not near-white and fails when it
// is below -min.
package main

import (
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
)

func main() {
	minInk := flag.Float64("min", 0.02, "least share of non-white pixels")
	out := flag.String("out", "", "write the top -height pixels, scaled to -width, here")
	height := flag.Int("height", 2400, "with -out: rows of the screenshot to keep")
	width := flag.Int("width", 600, "with -out: width of the copy")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: pngcheck [flags] shot.png")
		os.Exit(2)
	}
	img, err := load(flag.Arg(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, "pngcheck:", err)
		os.Exit(1)
	}
	ink := inkShare(img)
	fmt.Printf("%s: %dx%d, %.1f%% non-white pixels\n", flag.Arg(0), img.Bounds().Dx(), img.Bounds().Dy(), 100*ink)
	if ink < *minInk {
		fmt.Fprintf(os.Stderr, "pngcheck: %s looks blank (%.2f%% non-white, want at least %.2f%%)\n", flag.Arg(0), 100*ink, 100**minInk)
		os.Exit(1)
	}
	if *out != "" {
		if err := save(*out, shrink(img, *height, *width)); err != nil {
			fmt.Fprintln(os.Stderr, "pngcheck:", err)
			os.Exit(1)
		}
	}
}

func load(path string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return png.Decode(f)
}

func save(path string, img image.Image) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// inkShare is the share of pixels darker than near-white.
func inkShare(img image.Image) float64 {
	b := img.Bounds()
	var ink int
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if r < 0xf000 || g < 0xf000 || bl < 0xf000 {
				ink++
			}
		}
	}
	return float64(ink) / float64(max(1, b.Dx()*b.Dy()))
}

// shrink keeps the top rows of img and scales them to width by averaging
// each block of source pixels (a box filter: text stays legible).
func shrink(img image.Image, rows, width int) image.Image {
	b := img.Bounds()
	rows = min(rows, b.Dy())
	f := float64(b.Dx()) / float64(width)
	h := int(float64(rows) / f)
	dst := image.NewRGBA(image.Rect(0, 0, width, h))
	for y := 0; y < h; y++ {
		for x := 0; x < width; x++ {
			x0, x1 := int(float64(x)*f), max(int(float64(x+1)*f), int(float64(x)*f)+1)
			y0, y1 := int(float64(y)*f), max(int(float64(y+1)*f), int(float64(y)*f)+1)
			var r, g, bl, n uint32
			for sy := y0; sy < y1; sy++ {
				for sx := x0; sx < x1; sx++ {
					cr, cg, cb, _ := img.At(b.Min.X+sx, b.Min.Y+sy).RGBA()
					r, g, bl, n = r+cr, g+cg, bl+cb, n+1
				}
			}
			dst.Set(x, y, color.RGBA{uint8(r / n >> 8), uint8(g / n >> 8), uint8(bl / n >> 8), 0xff})
		}
	}
	return dst
}
